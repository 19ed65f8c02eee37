// Zoom and pan for a map drawn on the server (events/maps.py), as an enhancement: without JavaScript the map
// shows its whole view, and the table below it has every place. The buttons are made here, so a reader without
// JavaScript never sees buttons that do nothing. Zooming changes the svg's viewBox; circles are redrawn at the
// same size on screen, so zooming in separates close places instead of swelling them.
(function () {
  "use strict";
  var MAX_ZOOM = 8; // the outlines are snapped to whole units: past this they look coarse

  function zoomable(frame) {
    var svg = frame.querySelector("svg.map");
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal) {
      return;
    }
    var whole = svg.viewBox.baseVal;
    var width = whole.width;
    var height = whole.height;
    var view = { x: 0, y: 0, w: width, h: height };
    var circles = Array.prototype.map.call(svg.querySelectorAll(".map-markers circle"), function (circle) {
      return [circle, circle.r.baseVal.value];
    });

    function draw() {
      svg.setAttribute("viewBox", [view.x, view.y, view.w, view.h].map(function (n) { return n.toFixed(1); }).join(" "));
      var k = view.w / width;
      circles.forEach(function (pair) {
        pair[0].setAttribute("r", (pair[1] * k).toFixed(2));
      });
      frame.classList.toggle("is-zoomed", view.w < width);
      reset.disabled = view.w >= width;
      zoomOut.disabled = view.w >= width;
      zoomIn.disabled = view.w <= width / MAX_ZOOM;
    }

    function clamp() {
      view.x = Math.min(Math.max(view.x, 0), width - view.w);
      view.y = Math.min(Math.max(view.y, 0), height - view.h);
    }

    function zoom(factor, cx, cy) {
      var w = Math.min(Math.max(view.w / factor, width / MAX_ZOOM), width);
      var scale = w / view.w;
      if (cx === undefined) {
        cx = view.x + view.w / 2;
        cy = view.y + view.h / 2;
      }
      view.x = cx - (cx - view.x) * scale;
      view.y = cy - (cy - view.y) * scale;
      view.w = w;
      view.h = w * height / width;
      clamp();
      draw();
    }

    function button(label, text, action) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "map-zoom__button";
      b.setAttribute("aria-label", label);
      b.textContent = text;
      b.addEventListener("click", action);
      return b;
    }

    var controls = document.createElement("div");
    controls.className = "map-zoom";
    controls.setAttribute("role", "group");
    controls.setAttribute("aria-label", "Zoom the map");
    var zoomIn = button("Zoom in", "+", function () { zoom(2); });
    var zoomOut = button("Zoom out", "\u2212", function () { zoom(0.5); });
    var reset = button("Show the whole map", "Whole map", function () {
      view = { x: 0, y: 0, w: width, h: height };
      draw();
    });
    controls.append(zoomIn, zoomOut, reset);
    frame.insertBefore(controls, frame.firstChild);

    // Dragging pans a zoomed map; a drag that moved is not a click on the marker under it.
    var drag = null;
    var moved = false;
    svg.addEventListener("pointerdown", function (event) {
      if (view.w >= width) {
        return;
      }
      drag = { x: event.clientX, y: event.clientY, vx: view.x, vy: view.y, id: event.pointerId };
      moved = false;
    });
    svg.addEventListener("pointermove", function (event) {
      if (!drag || event.pointerId !== drag.id) {
        return;
      }
      var units = view.w / svg.getBoundingClientRect().width;
      var dx = event.clientX - drag.x;
      var dy = event.clientY - drag.y;
      if (!moved && Math.abs(dx) + Math.abs(dy) > 3) {
        moved = true;
        svg.setPointerCapture(drag.id);
      }
      if (moved) {
        view.x = drag.vx - dx * units;
        view.y = drag.vy - dy * units;
        clamp();
        draw();
      }
    });
    function stop() {
      drag = null;
    }
    svg.addEventListener("pointerup", stop);
    svg.addEventListener("pointercancel", stop);
    svg.addEventListener("click", function (event) {
      if (moved) {
        event.preventDefault();
        moved = false;
      }
    }, true);
    svg.addEventListener("dblclick", function (event) {
      var box = svg.getBoundingClientRect();
      zoom(2, view.x + (event.clientX - box.left) / box.width * view.w, view.y + (event.clientY - box.top) / box.height * view.h);
    });
    draw();
  }

  document.querySelectorAll("[data-map-zoom]").forEach(zoomable);
})();
