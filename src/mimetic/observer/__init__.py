"""The Observer: data, page rendering, the loopback server, runtime overlays and exports."""
