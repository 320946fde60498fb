"""Writes to the register: every change to people, households, places, components and organisations
goes through a ``do_*`` function here (one transaction, row lock and version check for updates, an
audit row, the scope checked before and after; a person's changes in their history).

A place's grid is always derived from its coordinates; a person's from their building (or, with no
building yet, a grid chosen within the actor's jurisdiction).
"""

from .households import do_create_household, do_join_household, do_leave_household
from .imports import do_commit_import, do_discard_import, do_preview_import, do_request_commit_import
from .people import do_move_person, do_person_leaves, do_register_person, do_update_person
from .places import (
    do_bulk_create_buildings,
    do_bulk_create_roads,
    do_create_building,
    do_create_house,
    do_end_tenancy,
    do_recount_area_stats,
    do_register_tenancy,
)
from .special import do_add_special_record, do_close_special_record
from .things import (
    do_bulk_create_components,
    do_bulk_create_organisations,
    do_create_component,
    do_create_organisation,
    do_update_component,
    do_update_organisation,
)

__all__ = [
    "do_add_special_record", "do_bulk_create_buildings", "do_bulk_create_components", "do_bulk_create_organisations", "do_bulk_create_roads", "do_close_special_record",
    "do_commit_import", "do_request_commit_import", "do_create_building", "do_create_component", "do_create_household", "do_create_house",
    "do_create_organisation", "do_discard_import", "do_end_tenancy", "do_join_household", "do_leave_household",
    "do_move_person", "do_person_leaves", "do_preview_import", "do_recount_area_stats", "do_register_person", "do_register_tenancy",
    "do_update_component", "do_update_organisation", "do_update_person",
]
