"""The organisation's screens: units and the tree, baseline figures, leadership, periods, users, imports."""
