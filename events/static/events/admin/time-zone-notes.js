'use strict';
// Django's admin writes "Note: You are 3.5 hours behind server time." under every date and time input whenever
// the editor's clock is in another zone than the page. Here a date is a calendar date as the sources give it,
// with no zone, so the note is noise (94 times on the Kerman incident's page); a time is typed as it was at the
// place, in the zone the incident's form is drawn in (IncidentAdmin.changeform_view), so its note names that
// zone instead of "server time". Django's own later versions keep the note for time inputs only.
document.addEventListener('DOMContentLoaded', function() {
    const shortcuts = window.DateTimeShortcuts;
    if (!shortcuts) {
        return;
    }

    function zoneName(seconds) {
        const sign = seconds < 0 ? '−' : '+';
        const minutes = Math.round(Math.abs(seconds) / 60);
        const pad = (n) => String(n).padStart(2, '0');
        return `UTC${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
    }

    function hours(seconds) {
        const value = Math.round(Math.abs(seconds) / 360) / 10;
        return `${value} hour${value === 1 ? '' : 's'}`;
    }

    shortcuts.addTimezoneWarning = function(input) {
        const difference = shortcuts.timezoneOffset;  // the editor's clock minus the page's zone, in seconds
        if (!input.classList.contains('vTimeField') || !difference) {
            return;
        }
        if (input.parentNode.querySelector('.' + shortcuts.timezoneWarningClass)) {
            return;
        }
        const zone = zoneName(Number(document.body.dataset.adminUtcOffset));
        const note = document.createElement('div');
        note.classList.add('help', shortcuts.timezoneWarningClass);
        note.textContent = `Times on this form are in ${zone}, ${hours(difference)} ` +
            `${difference < 0 ? 'ahead of' : 'behind'} your clock; “Now” fills in the time in that zone.`;
        input.parentNode.appendChild(note);
    };
});
