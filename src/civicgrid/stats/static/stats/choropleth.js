/* The dashboard's map: the child areas coloured by the chosen indicator (traffic light against the
   target where there is one, else a blue scale by value); a click drills down. Vector only. */
(function () {
  "use strict";
  var LIGHTS = { met: "#2e7d32", near: "#f9a825", missed: "#c62828" };
  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + url); }
      return r.json();
    });
  }
  function blue(t) {  // 0..1 → light to dark blue
    var a = [227, 242, 253], b = [13, 71, 161];
    var c = a.map(function (x, i) { return Math.round(x + (b[i] - x) * t); });
    return "rgb(" + c.join(",") + ")";
  }
  function choropleth(id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var map = L.map(id, { zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    Promise.all([fetchJSON(el.dataset.areas), fetchJSON(el.dataset.values)]).then(function (res) {
      var fc = res[0], data = res[1], byCode = {};
      data.children.forEach(function (c) { byCode[c.area_code] = c; });
      var values = data.children.map(function (c) { return c.value; }).filter(function (v) { return v !== null; });
      var lo = Math.min.apply(null, values.concat([0])), hi = Math.max.apply(null, values.concat([1]));
      var shown = fc.features.filter(function (f) { return byCode[f.properties.code]; });
      var layer = L.geoJSON({ type: "FeatureCollection", features: shown }, {
        style: function (f) {
          var c = byCode[f.properties.code];
          var fill = c.light ? LIGHTS[c.light] : (c.value === null ? "#eceff1" : blue((c.value - lo) / ((hi - lo) || 1)));
          return { color: "#37474f", weight: 1, fillColor: fill, fillOpacity: 0.75 };
        },
        onEachFeature: function (f, lyr) {
          var c = byCode[f.properties.code];
          var v = c.value === null ? "—" : c.value.toFixed(1);
          lyr.bindTooltip(f.properties.name + ": " + v + (c.target !== null ? " / " + c.target : ""), { sticky: true });
          lyr.on("click", function () {
            window.location.href = el.dataset.link.replace("000", f.properties.code) + el.dataset.query;
          });
        }
      }).addTo(map);
      if (shown.length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); }
      el.dataset.features = String(shown.length);
      el.dataset.loaded = "1";
    }).catch(function (e) { el.dataset.error = e.message; el.textContent = e.message; });
  }
  var btn = document.getElementById("print-btn");
  if (btn) { btn.addEventListener("click", function () { window.print(); }); }
  window.StatsMap = { choropleth: choropleth };
})();
