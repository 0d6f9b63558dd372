"""HotSwap: simulate and run WebAssembly rollout strategies on edge fleets.

Nothing in this package imports SimPy or wasmtime: strategies are pure generators
of effects, and each backend (``sim``, ``runtime``) has a driver that carries them out.
"""

__version__ = "0.1.0"
