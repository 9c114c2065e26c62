"""Live lanes: the thread-pool runner, substrates (e2b, local) and the shared bootstrap."""
