from hotswap.core.config import Step
from hotswap.core.stages import exposure, regional_warnings, warnings


def steps(*shares: float) -> list[Step]:
    return [Step(nodes=s) for s in shares]


GUIDE = [20, 15, 18, 12]  # the guide's 65 nodes in 4 regions


def test_exposure_is_the_nodes_each_stage_really_takes():
    assert [(s.nodes, n) for s, n in exposure(GUIDE, steps(1, 2, 5, 10, 25, 50, 100))] == [
        (1, 4),
        (2, 4),
        (5, 4),
        (10, 8),
        (25, 17),
        (50, 33),
        (100, 65),
    ]


def test_collapsing_stages_are_named_with_their_node_counts():
    [warning] = warnings(GUIDE, steps(1, 2, 5, 10, 25, 50, 100))
    assert warning["code"] == "stage-collapse"
    assert warning["message"] == (
        "stages 1%, 2%, 5% expose the same 4 of 65 nodes (6.2%); stages 1%, 2% expose more than twice the "
        "share requested (4 of 65 nodes for 1%, 4 of 65 nodes for 2%)"
    )


def test_the_guide_stages_on_the_guide_fleet_do_not_warn():
    assert warnings(GUIDE, steps(10, 25, 50, 100)) == []


def test_stages_on_the_same_nodes_with_their_own_traffic_do_not_collapse():
    split = [Step(nodes=10, traffic=1), Step(nodes=10, traffic=5), Step(nodes=100)]
    assert warnings(GUIDE, split) == []


def test_a_canary_within_each_region_is_judged_on_that_region_alone():
    regions = [("us-east", 20), ("apac-east", 12)]
    [warning] = regional_warnings(regions, steps(5, 8, 100))  # 1 and 2 of 20 nodes; 1 and 1 of 12
    assert warning["message"] == "region apac-east: stages 5%, 8% expose the same 1 of 12 nodes (8.3%)"
    [warning] = regional_warnings(regions, steps(2, 4, 100))
    assert warning["message"] == (
        "region us-east: stages 2%, 4% expose the same 1 of 20 nodes (5.0%); stage 2% exposes more than twice "
        "the share requested (1 of 20 nodes for 2%); region apac-east: stages 2%, 4% expose the same 1 of 12 nodes "
        "(8.3%); stages 2%, 4% expose more than twice the share requested (1 of 12 nodes for 2%, 1 of 12 nodes for 4%)"
    )
    assert regional_warnings(regions, steps(20, 100)) == []  # 4 and 3 nodes: apart from 100%


def test_many_collapsing_regions_are_counted_past_the_first_few():
    regions = [(f"r{i}", 10) for i in range(5)]
    [warning] = regional_warnings(regions, steps(1, 2, 100))
    assert warning["message"].count("region r") == 3 and warning["message"].endswith("; and 2 other regions")
