'use strict';
// The admin's autocompletes (select2) are set up a few at a time after the page is drawn, instead of all at
// once before it answers, and a box the editor reaches first is set up at that moment. The biggest record's
// page holds 428 of them: set up in one go they kept the page frozen for 5-9 s on a slow machine.
// Loaded after Django's admin/js/autocomplete.js (the widget's media), whose calls it takes over.
{
    const $ = django.jQuery;
    const setUpNow = $.fn.djangoAdminSelect2;
    // Up to this many boxes in one call are set up at once: a new inline row's few, not a whole page.
    const AT_ONCE = 20;
    // How long each turn of the background set-up may hold the page.
    const TURN_MS = 25;
    // select2 looks for the nearest [dir] ancestor of each box, twice, a fifth of its set-up on a page this
    // deep: the page's own direction is the answer, so each box is given it.
    const direction = document.documentElement.dir || 'ltr';
    const waiting = [];

    function isSetUp(element) {
        return element.classList.contains('select2-hidden-accessible');
    }

    function setUp(element) {
        if (isSetUp(element) || !element.isConnected) {
            return;
        }
        if (!element.hasAttribute('dir')) {
            element.setAttribute('dir', direction);
        }
        setUpNow.call($(element));
    }

    function turn() {
        const start = performance.now();
        while (waiting.length && performance.now() - start < TURN_MS) {
            setUp(waiting.shift());
        }
        if (waiting.length) {
            later();
        }
    }

    function later() {
        // A zero timeout, not an idle callback: the page is never idle while the editor types, and each turn
        // is short enough to let a key press or a click through between two turns.
        setTimeout(turn, 0);
    }

    $.fn.djangoAdminSelect2 = function() {
        if (this.length <= AT_ONCE) {
            this.each((i, element) => setUp(element));
            return this;
        }
        const idle = !waiting.length;
        // Each box's width, read for all of them in one go: select2 reads it as it sets a box up, and after
        // the box before it changed the page, each read made the browser lay the whole page out again.
        const widths = this.map((i, element) => $(element).outerWidth(false)).get();
        this.each((i, element) => {
            if (widths[i] > 0 && !element.dataset.width) {
                element.dataset.width = `${widths[i]}px`;
            }
            waiting.push(element);
        });
        if (idle) {
            later();
        }
        return this;
    };

    // A box reached before its turn: set up now, then opened (pointer) or focused (keyboard) as select2's.
    function reached(event) {
        const element = event.target;
        if (!(element instanceof HTMLSelectElement) || !element.classList.contains('admin-autocomplete') ||
                isSetUp(element) || element.name.includes('__prefix__')) {
            return;
        }
        const index = waiting.indexOf(element);
        if (index !== -1) {
            waiting.splice(index, 1);
        }
        setUp(element);
        // Focused or opened once this event is done: the event landed on the box's own select, which select2
        // has just hidden, and select2 closes an open box on a press anywhere outside it.
        const $element = $(element);
        if (event.type === 'focusin') {
            setTimeout(() => $element.next('.select2').find('.select2-selection').trigger('focus'), 0);
        } else {
            event.preventDefault();
            setTimeout(() => $element.select2('open'), 0);
        }
    }
    document.addEventListener('mousedown', reached, true);
    document.addEventListener('focusin', reached, true);
}
