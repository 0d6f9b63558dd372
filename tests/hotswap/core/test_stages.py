from hotswap.core.nodes import Topology
from hotswap.core.stages import exposure, warnings

GUIDE = Topology.build([("us-east", 20, 0), ("us-west", 15, 0), ("eu-central", 18, 0), ("apac-east", 12, 0)])


def test_exposure_is_the_nodes_each_stage_really_takes():
    assert exposure(GUIDE, [1, 2, 5, 10, 25, 50, 100]) == [
        (1, 4),
        (2, 4),
        (5, 4),
        (10, 8),
        (25, 17),
        (50, 33),
        (100, 65),
    ]


def test_collapsing_stages_are_named_with_their_node_counts():
    [warning] = warnings(GUIDE, [1, 2, 5, 10, 25, 50, 100])
    assert warning["code"] == "stage-collapse"
    assert warning["message"] == (
        "stages 1%, 2%, 5% expose the same 4 of 65 nodes (6.2%); stages 1%, 2% expose more than twice the "
        "share requested (4 of 65 nodes for 1%, 4 of 65 nodes for 2%)"
    )


def test_the_guide_stages_on_the_guide_fleet_do_not_warn():
    assert warnings(GUIDE, [10, 25, 50, 100]) == []
