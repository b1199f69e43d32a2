"""The read side's screens: year reports, dashboards, the home page."""
