/* The map of health grids and teams: each team's health grid (the union of its base grids) filled
   in the team's colour, over the platform's own roads and facilities (CivicGridMap.context); a click
   opens the team. Vector data only, no online tiles. */
(function () {
  "use strict";
  function teams(id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var map = L.map(id, { preferCanvas: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    fetch(el.dataset.geojson, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + el.dataset.geojson); }
      return r.json();
    }).then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) {
          return { color: "#37474f", weight: 1.5, fillColor: f.properties.colour, fillOpacity: 0.45 };
        },
        onEachFeature: function (f, lyr) {
          var p = f.properties;
          lyr.bindTooltip(p.name + " · " + p.community + " · " + el.dataset.members + " " + p.members + " · " +
                          el.dataset.households + " " + p.households + " · " + el.dataset.people + " " + p.people,
                          { sticky: true });
          lyr.on("click", function () { window.location.href = el.dataset.team.replace("0", p.id); });
        }
      }).addTo(map);
      if (fc.features.length) { map.fitBounds(layer.getBounds(), { padding: [10, 10] }); } else { map.setView([30.27, 120.15], 12); }
      CivicGridMap.context(map, el);
      CivicGridMap.labelAreas(map, layer);
      el.dataset.features = String(fc.features.length);
      el.dataset.loaded = "1";
    }).catch(function (e) { el.dataset.error = e.message; el.textContent = e.message; });
    window.civicgridMap = map;
  }
  window.HealthMap = { teams: teams };
})();
