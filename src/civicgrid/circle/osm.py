"""OpenStreetMap extracts (.osm.pbf) → walking network and tagged facilities (pyosmium).

Which ways are walked (``WALK_HIGHWAYS``): every ``highway=*`` a pedestrian may use —
footway, path, pedestrian, steps, corridor, living_street, residential, service,
unclassified, road, track, cycleway (foot is allowed on most), bridleway, trail, elevator,
crossing, and the primary/secondary/tertiary/trunk classes with their links (sidewalks are
rarely mapped separately). Not walked: motorway(_link), construction, proposed, abandoned,
raceway, bus_guideway, escape, platform, rest_area, services; any way tagged ``foot=no`` or
``foot=private``, or ``access=no/private`` without ``foot=yes/designated/permissive``.

Every node of a walked way is a graph node (no simplification: buildings snap to the
nearest point of a road, not of an intersection); an edge's length is the great-circle
distance between consecutive nodes.

Facilities: ``FACILITY_TAGS`` maps OSM tags to our facility kinds (see ``catalogues``).
Nodes count at their position, ways (areas) at the mean of their nodes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .engine import WalkGraph

WALK_HIGHWAYS = frozenset({
    "footway", "path", "pedestrian", "steps", "corridor", "living_street", "residential", "service",
    "unclassified", "road", "track", "cycleway", "bridleway", "trail", "elevator", "crossing",
    "primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link", "trunk", "trunk_link",
})
NO_FOOT = frozenset({"no", "private"})
FOOT_OK = frozenset({"yes", "designated", "permissive"})

# (key, value) → facility kind. Kinds without a line (the two boards, committee office,
# mediation room, party-mass centre, indoor activity centre, housekeeping) have no common
# OSM tag and are entered by staff.
FACILITY_TAGS: dict[tuple[str, str], str] = {
    ("amenity", "school"): "school",
    ("amenity", "kindergarten"): "school",
    ("amenity", "marketplace"): "market",
    ("amenity", "parking"): "parking",
    ("amenity", "toilets"): "toilet",
    ("amenity", "waste_disposal"): "waste",
    ("amenity", "recycling"): "waste",
    ("amenity", "waste_transfer_station"): "waste",
    ("amenity", "townhall"): "committee_office",
    ("amenity", "library"): "reading_room",
    ("amenity", "police"): "police_room",
    ("amenity", "clinic"): "health_room",
    ("amenity", "doctors"): "health_room",
    ("amenity", "hospital"): "health_room",
    ("healthcare", "clinic"): "health_room",
    ("healthcare", "doctor"): "health_room",
    ("amenity", "community_centre"): "service_centre",
    ("amenity", "social_centre"): "service_centre",
    ("leisure", "sports_centre"): "sports_centre",
    ("leisure", "pitch"): "sports_centre",
    ("leisure", "fitness_station"): "sports_centre",
    ("leisure", "track"): "sports_centre",
    ("amenity", "arts_centre"): "culture_centre",
    ("amenity", "theatre"): "culture_centre",
    ("amenity", "cinema"): "culture_centre",
    ("amenity", "restaurant"): "food",
    ("amenity", "fast_food"): "food",
    ("amenity", "cafe"): "food",
    ("amenity", "food_court"): "food",
    ("shop", "supermarket"): "supermarket",
    ("shop", "convenience"): "supermarket",
    ("shop", "kiosk"): "supermarket",
    ("shop", "greengrocer"): "supermarket",
    ("shop", "mall"): "supermarket",
    ("shop", "hairdresser"): "barber",
    ("shop", "laundry"): "laundry",
    ("shop", "dry_cleaning"): "laundry",
    ("amenity", "pharmacy"): "pharmacy",
    ("shop", "chemist"): "pharmacy",
    ("healthcare", "pharmacy"): "pharmacy",
    ("amenity", "bank"): "bank",
    ("amenity", "atm"): "bank",
    ("amenity", "post_office"): "post",
    ("shop", "mobile_phone"): "telecom",
    ("shop", "telecommunication"): "telecom",
}
# amenity=social_facility counts as a day-care centre when it serves seniors.
_TAG_KEYS = ("amenity", "shop", "leisure", "healthcare")


def facility_kind(tags) -> str | None:
    """Our facility kind for a set of OSM tags (a mapping or pyosmium TagList), or None."""
    if tags.get("amenity") == "social_facility" and (
        tags.get("social_facility:for") in ("senior", "elderly") or tags.get("social_facility") == "day_care"
    ):
        return "daycare_centre"
    for key in _TAG_KEYS:
        value = tags.get(key)
        if value is not None:
            kind = FACILITY_TAGS.get((key, value))
            if kind:
                return kind
    return None


def is_walkable(tags) -> bool:
    if tags.get("highway") not in WALK_HIGHWAYS:
        return False
    if tags.get("foot") in NO_FOOT:
        return False
    return not (tags.get("access") in NO_FOOT and tags.get("foot") not in FOOT_OK)


@dataclass
class OsmFacility:
    kind: str
    name: str
    lon: float
    lat: float
    osm_id: str  # "n123" or "w456"
    tags: dict = field(default_factory=dict)


@dataclass
class OsmExtract:
    graph: WalkGraph
    facilities: list[OsmFacility]
    osm_node_ids: np.ndarray  # OSM id of each graph node
    ways: int

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        g = self.graph
        return float(g.lon.min()), float(g.lat.min()), float(g.lon.max()), float(g.lat.max())


def read_edges(path: str):
    """(node OSM ids, lons, lats, u, v, walked ways, facilities) of an .osm.pbf file."""
    import osmium

    index: dict[int, int] = {}
    lons: list[float] = []
    lats: list[float] = []
    us: list[int] = []
    vs: list[int] = []
    facilities: list[OsmFacility] = []
    ways = 0
    for obj in osmium.FileProcessor(str(path)).with_locations():
        tags = obj.tags
        if obj.is_way():
            walk = is_walkable(tags)
            kind = facility_kind(tags)
            if not walk and not kind:
                continue
            refs = []
            for nd in obj.nodes:
                if not nd.location.valid():
                    continue
                refs.append((nd.ref, nd.location.lon, nd.location.lat))
            if kind and refs:
                facilities.append(OsmFacility(kind, tags.get("name", ""), float(np.mean([r[1] for r in refs])),
                                              float(np.mean([r[2] for r in refs])), f"w{obj.id}", dict(tags)))
            if not walk or len(refs) < 2:
                continue
            ways += 1
            prev = None
            for ref, lon, lat in refs:
                i = index.get(ref)
                if i is None:
                    i = index[ref] = len(lons)
                    lons.append(lon)
                    lats.append(lat)
                if prev is not None:
                    us.append(prev)
                    vs.append(i)
                prev = i
        elif obj.is_node() and len(tags):
            kind = facility_kind(tags)
            if kind and obj.location.valid():
                facilities.append(OsmFacility(kind, tags.get("name", ""), obj.location.lon, obj.location.lat,
                                              f"n{obj.id}", dict(tags)))
    ids = np.fromiter(index.keys(), dtype=np.int64, count=len(index))
    return ids, np.array(lons), np.array(lats), np.array(us, np.int64), np.array(vs, np.int64), ways, facilities


def read_extract(path: str) -> OsmExtract:
    ids, lons, lats, us, vs, ways, facilities = read_edges(path)
    graph = WalkGraph.from_edges(lons, lats, us, vs)
    return OsmExtract(graph, facilities, ids, ways)
