"""The Qt-free core: configs, auth flows, the recorded transport, and the connection check."""
