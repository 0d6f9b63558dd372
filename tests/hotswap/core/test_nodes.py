import itertools

import numpy as np
import pytest

from hotswap.core.nodes import EMPTY, NodeSet, Topology


def nodes(*ranges: tuple[int, int]) -> NodeSet:
    return NodeSet(ranges)


def test_ranges_are_sorted_merged_and_empty_ones_dropped():
    s = nodes((10, 12), (0, 3), (3, 5), (4, 6), (7, 7), (9, 8))
    assert s.ranges == ((0, 6), (10, 12))
    assert len(s) == 8
    assert bool(s) and not bool(EMPTY)
    assert nodes((5, 5)) == EMPTY


def test_negative_indices_are_rejected():
    with pytest.raises(ValueError, match="negative"):
        nodes((-1, 3))


def test_membership():
    s = nodes((0, 3), (10, 12))
    assert [i for i in range(13) if i in s] == [0, 1, 2, 10, 11]


def test_union():
    assert (nodes((0, 3)) | nodes((3, 5))) == NodeSet.span(0, 5)
    assert (nodes((0, 3)) | nodes((6, 8))).ranges == ((0, 3), (6, 8))
    assert (nodes((0, 3)) | EMPTY) == nodes((0, 3))


def test_difference():
    s = NodeSet.span(0, 10)
    assert (s - nodes((2, 4), (6, 7))).ranges == ((0, 2), (4, 6), (7, 10))
    assert (s - nodes((0, 10))) == EMPTY
    assert (s - nodes((20, 30))) == s
    assert (nodes((0, 5), (10, 15)) - nodes((3, 12))).ranges == ((0, 3), (12, 15))


def test_intersection():
    assert (nodes((0, 5), (10, 15)) & nodes((3, 12))).ranges == ((3, 5), (10, 12))
    assert (nodes((0, 5)) & nodes((5, 10))) == EMPTY
    assert (nodes((0, 5)) & EMPTY) == EMPTY


def test_set_operations_agree_with_python_sets():
    a, b = nodes((0, 4), (7, 12), (20, 25)), nodes((2, 9), (11, 21), (30, 31))
    sa, sb = set(a.indices().tolist()), set(b.indices().tolist())
    assert set((a | b).indices().tolist()) == sa | sb
    assert set((a - b).indices().tolist()) == sa - sb
    assert set((a & b).indices().tolist()) == sa & sb


def test_head_takes_the_first_nodes_in_index_order():
    s = nodes((0, 3), (10, 15))
    assert s.head(2) == NodeSet.span(0, 2)
    assert s.head(5).ranges == ((0, 3), (10, 12))
    assert s.head(100) == s
    assert s.head(0) == EMPTY


def test_chunks_are_consecutive_batches_with_a_smaller_last():
    s = nodes((0, 3), (10, 15))
    batches = list(s.chunks(3))
    assert [b.ranges for b in batches] == [((0, 3),), ((10, 13),), ((13, 15),)]
    assert list(nodes((0, 4)).chunks(2)) == [NodeSet.span(0, 2), NodeSet.span(2, 4)]
    assert list(EMPTY.chunks(3)) == []
    # the batches partition the set
    assert all(not (a & b) for a, b in itertools.combinations(batches, 2))
    assert batches[0] | batches[1] | batches[2] == s


def test_indices():
    idx = nodes((0, 2), (5, 7)).indices()
    assert idx.dtype == np.int64
    assert idx.tolist() == [0, 1, 5, 6]
    assert EMPTY.indices().tolist() == []


def test_a_huge_set_stays_a_few_integers():
    s = NodeSet.span(0, 10**9) - nodes((5, 6))
    assert len(s) == 10**9 - 1
    assert s.ranges == ((0, 5), (6, 10**9))


FLEET = Topology.build([("us-east", 20, 20), ("us-west", 15, 0), ("eu-central", 18, 5)])


def test_build_lays_regions_out_active_then_idle():
    east, west, eu = FLEET.regions
    assert (east.active, east.idle) == (NodeSet.span(0, 20), NodeSet.span(20, 40))
    assert (west.active, west.idle) == (NodeSet.span(40, 55), EMPTY)
    assert (eu.active, eu.idle) == (NodeSet.span(55, 73), NodeSet.span(73, 78))
    assert FLEET.size == 78
    assert len(FLEET.active) == 53 and len(FLEET.idle) == 25
    assert not FLEET.active & FLEET.idle


def test_region_by_name():
    assert FLEET.region("us-west").active == NodeSet.span(40, 55)
    assert FLEET.region("mars") is None


def test_only_restricts_to_the_named_regions_in_fleet_order():
    assert FLEET.only(None) is FLEET
    only = FLEET.only(["eu-central", "us-east"])
    assert [r.name for r in only.regions] == ["us-east", "eu-central"]
    assert only.active == NodeSet.span(0, 20) | NodeSet.span(55, 73)  # indices unchanged
    assert FLEET.only(["mars"]).regions == ()
    assert not FLEET.only([]).active


def test_share_is_a_ceiling_per_region_from_the_front():
    # 10%: ceil(2.0) + ceil(1.5) + ceil(1.8) = 2 + 2 + 2
    s = FLEET.share(10)
    assert s.ranges == ((0, 2), (40, 42), (55, 57))
    assert len(FLEET.share(25)) == 5 + 4 + 5
    assert FLEET.share(100) == FLEET.active
    assert FLEET.share(0) == EMPTY
    assert not FLEET.share(50) & FLEET.idle


def test_share_does_not_round_up_an_exact_share():
    topology = Topology.build([("a", 10, 0)])
    assert len(topology.share(30)) == 3
    assert len(topology.share((0.1 + 0.2) * 100)) == 3  # 30.000000000000004%


def test_shares_are_nested():
    shares = [FLEET.share(p) for p in (1, 10, 25, 33.3, 50, 75, 100)]
    assert all(not (a - b) for a, b in itertools.pairwise(shares))


def test_holds_tests_an_index_array_against_the_ranges():
    s = nodes((0, 3), (10, 12))
    probe = np.array([12, 0, 11, 3, 2, 9, 10, 100])
    assert s.holds(probe).tolist() == [i in s for i in probe.tolist()]
    assert EMPTY.holds(probe).tolist() == [False] * 8


def test_positions_find_nodes_where_indices_puts_them():
    s = NodeSet(((3, 6), (10, 12), (20, 25)))
    nodes = np.array([0, 4, 11, 6, 24, 20, 12, 3, 99])
    listed = list(s.indices())
    assert list(s.positions(nodes)) == [listed.index(n) for n in nodes if n in s]
    assert len(NodeSet().positions(nodes)) == 0
