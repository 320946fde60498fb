/* The circle's coverage map: buildings coloured by walking time, facilities, community outlines.
   Vector only (no online tiles). */
(function () {
  "use strict";
  function colour(p) {
    if (p.unreachable) { return "#757575"; }
    if (p.band === 5) { return "#1b5e20"; }
    if (p.band === 10) { return "#43a047"; }
    if (p.band === 15) { return "#c0ca33"; }
    return "#e53935";
  }
  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + url); }
      return r.json();
    });
  }
  function coverage(id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var map = L.map(id, { preferCanvas: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("© OpenStreetMap contributors");
    fetchJSON(el.dataset.areas).then(function (fc) {
      L.geoJSON(fc, { style: { color: "#2e7d32", weight: 1.5, fillOpacity: 0.03 }, interactive: false }).addTo(map);
    }).catch(function () { /* outlines are optional */ });
    if (el.dataset.roads) {
      fetchJSON(el.dataset.roads).then(function (fc) {
        L.geoJSON(fc, { style: { color: "#9e9e9e", weight: 1.2, opacity: 0.9 }, interactive: false }).addTo(map)
          .bringToBack();
      }).catch(function () { /* registered roads are optional */ });
    }
    fetchJSON(el.dataset.points).then(function (fc) {
      var layer = L.geoJSON(fc, {
        pointToLayer: function (f, latlng) {
          var p = f.properties;
          if (p.facility) {
            return L.circleMarker(latlng, { radius: 6, color: "#fff", weight: 1.5, fillColor: "#0d47a1", fillOpacity: 1 })
              .bindTooltip(p.name);
          }
          var m = L.circleMarker(latlng, { radius: 4, stroke: false, fillColor: colour(p), fillOpacity: 0.9 });
          var d = el.dataset;  // labels come translated from the page
          var t = p.address + " · " + (p.minutes === null ? (p.unreachable ? d.labelUnreachable : d.labelBeyond)
            : p.minutes.toFixed(1) + " " + d.labelMin);
          return m.bindTooltip(t);
        }
      }).addTo(map);
      if (fc.features.length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); }
      el.dataset.features = String(fc.features.length);
      el.dataset.loaded = "1";
    }).catch(function (e) { el.dataset.error = e.message; el.textContent = e.message; });
    window.civicgridMap = map;
  }
  window.CircleMap = { coverage: coverage };
})();
