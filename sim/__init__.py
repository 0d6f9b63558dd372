"""The SimPy backend: a population model of the fleet and a driver for strategies.

Nodes are numpy arrays, not processes; traffic is sampled per window in bulk from one
seeded ``numpy.random.Generator`` per run; SimPy carries the control flow.
"""
