/* Case maps: pick a position inside the user's grids (report pages) and the map of open cases.
   Vector boundaries from the platform's own data; no online tiles. */
(function () {
  "use strict";

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + url); }
      return r.json();
    });
  }

  function ringContains(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if (((yi > y) !== (yj > y)) && (x < (xj - xi) * (y - yi) / (yj - yi) + xi)) { inside = !inside; }
    }
    return inside;
  }

  function polygonContains(rings, x, y) {
    if (!ringContains(rings[0], x, y)) { return false; }
    for (var k = 1; k < rings.length; k++) { if (ringContains(rings[k], x, y)) { return false; } }
    return true;
  }

  // The grid containing (lon, lat) among the loaded features (the server derives it again on submit).
  function gridAt(features, lon, lat) {
    for (var i = 0; i < features.length; i++) {
      var g = features[i].geometry;
      if (!g) { continue; }
      var polys = g.type === "Polygon" ? [g.coordinates] : (g.type === "MultiPolygon" ? g.coordinates : []);
      for (var p = 0; p < polys.length; p++) {
        if (polygonContains(polys[p], lon, lat)) { return features[i].properties; }
      }
    }
    return null;
  }

  var GRID = { color: "#ef6c00", weight: 1.5, fillColor: "#fff3e0", fillOpacity: 0.5 };
  var CHOSEN_GRID = { color: "#e65100", weight: 3, fillColor: "#ffcc80", fillOpacity: 0.6 };

  function picker(id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var lon = document.getElementById(el.dataset.lon), lat = document.getElementById(el.dataset.lat);
    var label = document.getElementById(el.dataset.label);
    var map = L.map(id, { zoomSnap: 0.25, attributionControl: false });
    var marker = null, features = [], layer = null;
    function place(latlng, source) {
      if (marker) { marker.setLatLng(latlng); } else {
        marker = L.circleMarker(latlng, { radius: 9, color: "#b71c1c", weight: 3, fillColor: "#e53935", fillOpacity: 0.9 }).addTo(map);
      }
      lon.value = latlng.lng.toFixed(7);
      lat.value = latlng.lat.toFixed(7);
      var grid = gridAt(features, latlng.lng, latlng.lat);
      el.dataset.grid = grid ? grid.code : "";
      label.textContent = grid ? (grid.name.indexOf(grid.code) >= 0 ? grid.name : grid.name + " · " + grid.code)
        : el.dataset.outside;
      label.className = "badge text-wrap text-start " + (grid ? "text-bg-success" : "text-bg-danger");
      if (layer) {
        layer.eachLayer(function (l) { l.setStyle(grid && l.feature.properties.code === grid.code ? CHOSEN_GRID : GRID); });
      }
      el.dataset.source = source;
    }
    fetchJSON(el.dataset.geojson).then(function (fc) {
      features = fc.features || [];
      layer = L.geoJSON(fc, { style: GRID }).addTo(map);
      layer.eachLayer(function (l) { l.bindTooltip(l.feature.properties.name, { sticky: true }); });
      if (features.length) { map.fitBounds(layer.getBounds(), { padding: [8, 8] }); } else { map.setView([30.27, 120.15], 12); }
      if (window.CivicGridMap) {  // roads with their names, facilities, buildings, grid names (map.js)
        CivicGridMap.context(map, el, { interactive: false });
        CivicGridMap.labelAreas(map, layer);
      }
      layer.on("click", function (e) { place(e.latlng, "map"); });
      if (lon.value && lat.value) { place(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), "form"); }
      el.dataset.loaded = "1";
    }).catch(function (e) { el.dataset.error = e.message; map.setView([30.27, 120.15], 12); });
    map.on("click", function (e) { place(e.latlng, "map"); });
    var locate = document.getElementById(el.dataset.locate);
    if (locate) {
      locate.addEventListener("click", function () {
        if (!navigator.geolocation) { label.textContent = el.dataset.noLocation; return; }
        navigator.geolocation.getCurrentPosition(function (pos) {
          var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
          map.setView(ll, Math.max(map.getZoom(), 16));
          place(ll, "gps");
        }, function () { label.textContent = el.dataset.noLocation; }, { enableHighAccuracy: true, timeout: 10000 });
      });
    }
    window.civicgridMap = map;
  }

  function cases(id, dataId) {
    var el = document.getElementById(id);
    var data = document.getElementById(dataId);
    if (!el || !data) { return; }
    var rows = JSON.parse(data.textContent);
    var colours = JSON.parse(el.dataset.colours);
    var map = L.map(id, { zoomSnap: 0.25, preferCanvas: true, attributionControl: false });
    var bounds = [];
    rows.forEach(function (r) {
      var m = L.circleMarker([r.lat, r.lon], {
        radius: r.o ? 9 : 7, color: r.o ? "#d00000" : "#ffffff", weight: r.o ? 4 : 1.5,
        fillColor: colours[r.s] || "#6c757d", fillOpacity: 0.95
      }).addTo(map);
      var a = document.createElement("a");
      a.href = r.u; a.textContent = r.n + " " + r.t;
      var box = document.createElement("div");
      box.appendChild(a);
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(r.l + (r.o ? " · " + el.dataset.overdue : "")));
      m.bindPopup(box);
      bounds.push([r.lat, r.lon]);
    });
    var drawn = function () { el.dataset.loaded = "1"; el.dataset.markers = String(rows.length); };
    if (el.dataset.geojson) {
      fetchJSON(el.dataset.geojson).then(function (fc) {
        var layer = L.geoJSON(fc, { style: { color: "#90a4ae", weight: 1, fillColor: "#f5f5f5", fillOpacity: 0.6 },
                                    interactive: false }).addTo(map);
        layer.bringToBack();
        if (window.CivicGridMap) { CivicGridMap.context(map, el); CivicGridMap.labelAreas(map, layer); }
        if (!bounds.length && (fc.features || []).length) { map.fitBounds(layer.getBounds()); }
        drawn();
      }).catch(drawn);
    }
    if (bounds.length) { map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 }); } else { map.setView([30.27, 120.15], 12); }
    if (!el.dataset.geojson) { drawn(); }
    window.civicgridMap = map;
  }

  window.CivicGridCases = { picker: picker, cases: cases, gridAt: gridAt };
})();
