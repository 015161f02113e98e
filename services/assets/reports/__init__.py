"""Reports: an engagement's report, the year's dashboard, measures and spreadsheet exports."""
