"""Reports and printed copies (issue 18): each report is a builder of Sheets registered in
registry.py; sheet.py draws, prints and exports them; filters.py reads the page's filters."""
