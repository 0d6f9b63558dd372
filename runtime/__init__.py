"""The real backend: a small fleet of wasmtime worker processes that hot-swap modules
under live traffic, driven by the same strategy code as the simulator."""
