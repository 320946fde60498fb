/* CivicGrid maps: vector boundaries on a plain background, no online tiles. */
(function () {
  "use strict";
  var STYLE = {
    district: { color: "#0d47a1", weight: 3, fillOpacity: 0.04 },
    street: { color: "#1565c0", weight: 2.5, fillOpacity: 0.06 },
    community: { color: "#2e7d32", weight: 2, fillOpacity: 0.08 },
    grid: { color: "#ef6c00", weight: 1, fillOpacity: 0.12 }
  };
  var FILLS = ["#fff3e0", "#e3f2fd", "#e8f5e9", "#fce4ec", "#ede7f6", "#fffde7", "#e0f7fa", "#f1f8e9"];

  function fetchJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + url); }
      return r.json();
    });
  }

  function baseMap(id) {
    var map = L.map(id, { preferCanvas: true, zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    return map;
  }

  function styleFor(feature) {
    var p = feature.properties || {};
    var s = Object.assign({}, STYLE[p.level] || STYLE.grid);
    var n = parseInt((p.code || "0").slice(-3), 10) || 0;
    s.fillColor = FILLS[n % FILLS.length];
    s.fillOpacity = p.level === "grid" ? 0.55 : 0.35;
    return s;
  }

  function bindArea(feature, layer) {
    var p = feature.properties || {};
    layer.bindTooltip(p.name + " · " + p.code, { sticky: true });
    layer.on("click", function () { window.location.href = "/areas/" + p.code + "/"; });
  }

  function areaMap(id) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var map = baseMap(id);
    fetchJSON(el.dataset.geojson).then(function (feature) {
      var outline = L.geoJSON(feature, { style: { color: "#0d47a1", weight: 3, fill: false } }).addTo(map);
      map.fitBounds(outline.getBounds(), { padding: [10, 10] });
      return fetchJSON(el.dataset.children).then(function (fc) {
        L.geoJSON(fc, { style: styleFor, onEachFeature: bindArea }).addTo(map);
        outline.bringToFront();
      });
    }).catch(function (e) { el.textContent = e.message; });
    window.civicgridMap = map;
  }

  // The overview map: areas of the chosen level, and the layers the apps offer (roads, …), each
  // with a checkbox ``layer-<key>``; ``data-layers`` lists them as [{key, url, style}].
  function overview(id, levelId) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var map = baseMap(id);
    var areas = null, fitted = false, shown = {};
    var select = document.getElementById(levelId);
    var layers = JSON.parse(el.dataset.layers || "[]");
    function front() { Object.keys(shown).forEach(function (k) { if (shown[k]) { shown[k].bringToFront(); } }); }
    function load() {
      var url = el.dataset.geojson + "?level=" + encodeURIComponent(select.value);
      if (el.dataset.focus) { url += "&within=" + encodeURIComponent(el.dataset.focus); }
      fetchJSON(url).then(function (fc) {
        if (areas) { map.removeLayer(areas); }
        areas = L.geoJSON(fc, { style: styleFor, onEachFeature: bindArea }).addTo(map);
        el.dataset.features = String(fc.features.length);
        if (!fitted && fc.features.length) { map.fitBounds(areas.getBounds(), { padding: [10, 10] }); fitted = true; }
        front();
        el.dataset.loaded = "1";
      }).catch(function (e) { el.dataset.error = e.message; });
    }
    function toggle(layer) {
      var box = document.getElementById("layer-" + layer.key);
      if (box.checked && !shown[layer.key]) {
        shown[layer.key] = L.layerGroup().addTo(map);  // taken at once: a second click does not load twice
        fetchJSON(layer.url).then(function (fc) {
          if (!shown[layer.key]) { return; }
          map.removeLayer(shown[layer.key]);
          shown[layer.key] = L.geoJSON(fc, { style: layer.style, interactive: false }).addTo(map);
        });
      } else if (!box.checked && shown[layer.key]) { map.removeLayer(shown[layer.key]); shown[layer.key] = null; }
    }
    select.addEventListener("change", load);
    layers.forEach(function (layer) {
      document.getElementById("layer-" + layer.key).addEventListener("change", function () { toggle(layer); });
    });
    load();
    layers.forEach(toggle);
    window.civicgridMap = map;
  }

  // Address-match candidates: a marker each, the chosen one highlighted with its grid outlined.
  var CANDIDATE = { radius: 6, color: "#455a64", weight: 1.5, fillColor: "#90a4ae", fillOpacity: 0.9 };
  var CHOSEN = { radius: 10, color: "#b71c1c", weight: 2.5, fillColor: "#e53935", fillOpacity: 0.9 };

  function candidates(id, dataId, listId) {
    var el = document.getElementById(id);
    var data = document.getElementById(dataId);
    if (!el || !data) { return; }
    var rows = JSON.parse(data.textContent);
    var list = document.getElementById(listId);
    if (!rows.length) { return; }
    var map = baseMap(id).setView([rows[0].lat, rows[0].lon], 17);  // a view before any layer (canvas)
    var grids = {}, gridLayer = null, chosen = -1;
    var markers = rows.map(function (r, i) {
      var m = L.circleMarker([r.lat, r.lon], CANDIDATE).addTo(map);
      m.bindTooltip((i + 1) + ". " + r.address);
      m.on("click", function () { select(i); });
      return m;
    });
    function showGrid(i) {
      var code = rows[i].area_code;
      if (gridLayer) { map.removeLayer(gridLayer); gridLayer = null; }
      if (!code) { return; }
      var feature = grids[code] ? Promise.resolve(grids[code])
        : fetchJSON(el.dataset.gridUrl.replace("__code__", encodeURIComponent(code)));
      feature.then(function (f) {
        grids[code] = f;
        if (chosen !== i) { return; }
        gridLayer = L.geoJSON(f, { style: { color: "#ef6c00", weight: 2, fillColor: "#fff3e0", fillOpacity: 0.5 },
                                   interactive: false }).addTo(map);
        gridLayer.bringToBack();
        map.fitBounds(gridLayer.getBounds().extend(markers[i].getLatLng()), { padding: [20, 20] });
        el.dataset.grid = code;
      }).catch(function () { /* the point alone is still shown */ });
    }
    function select(i) {
      chosen = i;
      markers.forEach(function (m, j) { m.setStyle(j === i ? CHOSEN : CANDIDATE); });
      markers[i].bringToFront();
      map.setView(markers[i].getLatLng(), 17);
      if (list) {
        Array.prototype.forEach.call(list.querySelectorAll("[data-candidate]"), function (li) {
          li.classList.toggle("list-group-item-primary", li.dataset.candidate === String(i));
        });
      }
      el.dataset.selected = String(i);
      showGrid(i);
    }
    if (list) {
      list.addEventListener("click", function (e) {
        if (e.target.closest("a")) { return; }
        var item = e.target.closest("[data-candidate]");
        if (!item) { return; }
        select(parseInt(item.dataset.candidate, 10));
        // On a phone the map sits below the list: bring it into view.
        if (el.getBoundingClientRect().top > window.innerHeight) { el.scrollIntoView({ block: "end" }); }
      });
    }
    select(0);
    window.civicgridMap = map;
  }

  window.CivicGridMap = { areaMap: areaMap, overview: overview, candidates: candidates };
})();
