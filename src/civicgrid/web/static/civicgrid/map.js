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
        var children = L.geoJSON(fc, { style: styleFor, onEachFeature: bindArea }).addTo(map);
        context(map, el);
        L.geoJSON(fc, { pane: "cg-outlines", interactive: false, style: { color: "#ef6c00", weight: 1.5, dashArray: "5 4",
                                                                           fill: false } }).addTo(map);
        labelAreas(map, children);
        outline.bringToFront();
        el.dataset.loaded = "1";
      });
    }).catch(function (e) { el.textContent = e.message; });
    window.civicgridMap = map;
  }

  function overview(id, levelId, roadsId) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var map = baseMap(id);
    var areas = null, outlines = null, names = null, fitted = false;
    var select = document.getElementById(levelId);
    var roadsBox = document.getElementById(roadsId);
    var layers = null;
    function load() {
      var url = el.dataset.geojson + "?level=" + encodeURIComponent(select.value);
      if (el.dataset.focus) { url += "&within=" + encodeURIComponent(el.dataset.focus); }
      fetchJSON(url).then(function (fc) {
        [areas, outlines, names].forEach(function (l) { if (l) { map.removeLayer(l); } });
        areas = L.geoJSON(fc, { style: styleFor, onEachFeature: bindArea }).addTo(map);
        if (!fitted && fc.features.length) { map.fitBounds(areas.getBounds(), { padding: [10, 10] }); fitted = true; }
        if (!layers) { layers = context(map, el); }
        // Boundaries again above the roads (which run along many of them), as thin dashed lines.
        outlines = L.geoJSON(fc, { pane: "cg-outlines", interactive: false, style: function (f) {
          var s = styleFor(f);
          return { color: s.color, weight: Math.max(1.5, s.weight), dashArray: "5 4", fill: false };
        } }).addTo(map);
        names = labelAreas(map, areas);
        el.dataset.features = String(fc.features.length);
        el.dataset.loaded = "1";
      }).catch(function (e) { el.dataset.error = e.message; });
    }
    select.addEventListener("change", load);
    roadsBox.addEventListener("change", function () {
      if (!layers || !layers.roads) { return; }
      if (roadsBox.checked) { layers.roads.addTo(map); } else { map.removeLayer(layers.roads); }
    });
    load();
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

  // --- What people place a pin by: roads with their names, buildings, facilities, area labels. ---
  // From the platform's own endpoints (scoped to the user, named in the map element's data-*),
  // never online tiles. Labels appear as one zooms in (classes cg-z13 … cg-z17 on the map).
  var ZOOMS = [13, 14, 15, 16, 17];
  var LABEL_ZOOM = 15, BUILDING_ZOOM = 16;

  function zoomClasses(map) {
    var c = map.getContainer();
    function set() { var z = map.getZoom(); ZOOMS.forEach(function (n) { c.classList.toggle("cg-z" + n, z >= n); }); }
    map.on("zoomend", set);
    set();
  }

  function pane(map, name, z) {
    if (!map.getPane(name)) { map.createPane(name).style.zIndex = String(z); }
    return name;
  }

  function labelIcon(text, cls) {
    var span = document.createElement("span");
    span.textContent = text;
    return L.divIcon({ className: "map-label " + cls, html: span, iconSize: null });
  }

  function lines(geometry) {
    if (!geometry) { return []; }
    if (geometry.type === "LineString") { return [geometry.coordinates]; }
    if (geometry.type === "MultiLineString") { return geometry.coordinates; }
    return [];
  }

  // One name per road, at the middle of the part of it that is in view.
  function placeRoadLabels(map, roads, group) {
    group.clearLayers();
    if (map.getZoom() < LABEL_ZOOM) { return; }
    var view = map.getBounds().pad(-0.06);
    roads.forEach(function (road) {
      var inside = [];
      lines(road.geometry).forEach(function (line) {
        for (var i = 1; i < line.length; i++) {
          var a = line[i - 1], b = line[i];
          for (var k = 0; k <= 24; k++) {
            var t = k / 24, p = L.latLng(a[1] + (b[1] - a[1]) * t, a[0] + (b[0] - a[0]) * t);
            if (view.contains(p)) { inside.push(p); }
          }
        }
      });
      if (inside.length) {
        L.marker(inside[Math.floor(inside.length / 2)], { icon: labelIcon(road.properties.name, "road-label"),
          interactive: false, keyboard: false, pane: "cg-labels" }).addTo(group);
      }
    });
    map.getContainer().dataset.roadLabels = String(group.getLayers().length);
  }

  function context(map, el, options) {
    options = options || {};
    var d = el.dataset, interactive = options.interactive !== false, layers = {};
    zoomClasses(map);
    pane(map, "cg-roads", 405);
    pane(map, "cg-outlines", 415);
    pane(map, "cg-places", 430);
    pane(map, "cg-labels", 650);
    if (d.roads) {
      var labels = L.layerGroup().addTo(map), roads = [];
      fetchJSON(d.roads).then(function (fc) {
        roads = fc.features || [];
        var casing = L.geoJSON(fc, { pane: "cg-roads", interactive: false,
                                     style: { color: "#8d8d8d", weight: 7, opacity: 0.9, lineCap: "round" } });
        var inner = L.geoJSON(fc, { pane: "cg-roads", interactive: false,
                                    style: { color: "#ffffff", weight: 4.5, opacity: 1, lineCap: "round" } });
        layers.roads = L.layerGroup([casing, inner, labels]).addTo(map);
        el.dataset.roadCount = String(roads.length);
        placeRoadLabels(map, roads, labels);
      }).catch(function () { /* roads are optional */ });
      map.on("moveend", function () { if (roads.length && layers.roads && map.hasLayer(layers.roads)) { placeRoadLabels(map, roads, labels); } });
    }
    if (d.facilities) {
      fetchJSON(d.facilities).then(function (fc) {
        layers.facilities = L.geoJSON(fc, { pointToLayer: function (f, latlng) {
          var m = L.circleMarker(latlng, { pane: "cg-places", radius: 6, color: "#fff", weight: 1.5, fillColor: "#0d47a1",
                                           fillOpacity: 1, interactive: interactive });
          var group = L.layerGroup([m, L.marker(latlng, { icon: labelIcon(f.properties.name, "facility-label"),
                                                           interactive: false, keyboard: false, pane: "cg-labels" })]);
          if (interactive) { m.bindTooltip(f.properties.name + " · " + f.properties.kind_label); }
          return group;
        } }).addTo(map);
        el.dataset.facilityCount = String((fc.features || []).length);
      }).catch(function () { /* facilities are optional */ });
    }
    if (d.buildings) {
      var buildings = L.layerGroup().addTo(map), loaded = "";
      var load = function () {
        if (map.getZoom() < BUILDING_ZOOM) { buildings.clearLayers(); loaded = ""; return; }
        var b = map.getBounds().pad(0.2);
        var box = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(5); }).join(",");
        if (box === loaded) { return; }
        fetchJSON(d.buildings + (d.buildings.indexOf("?") < 0 ? "?" : "&") + "bbox=" + box).then(function (fc) {
          loaded = box;
          buildings.clearLayers();
          (fc.features || []).forEach(function (f) {
            var ll = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
            var m = L.circleMarker(ll, { pane: "cg-places", radius: 4, color: "#5d4037", weight: 1, fillColor: "#d7ccc8",
                                         fillOpacity: 1, interactive: interactive }).addTo(buildings);
            if (interactive) { m.bindTooltip(f.properties.address); }
          });
          el.dataset.buildingCount = String((fc.features || []).length);
        }).catch(function () { /* buildings are optional */ });
      };
      map.on("moveend", load);
      map.whenReady(load);
      layers.buildings = buildings;
    }
    return layers;
  }

  // Permanent name labels on area polygons (grids shown from zoom 14, larger areas always).
  function labelAreas(map, layer) {
    var group = L.layerGroup();
    layer.eachLayer(function (l) {
      var p = (l.feature || {}).properties || {};
      if (!p.name || !l.getBounds) { return; }
      L.marker(l.getBounds().getCenter(), { icon: labelIcon(p.name, "area-label level-" + (p.level || "grid")),
                                            interactive: false, keyboard: false, pane: "cg-labels" }).addTo(group);
    });
    return group.addTo(map);
  }

  window.CivicGridMap = { areaMap: areaMap, overview: overview, candidates: candidates, context: context,
                          labelAreas: labelAreas };
})();
