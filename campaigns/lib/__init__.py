"""Tools every feature app shares: spreadsheet imports, the .xlsx writer, SVG charts."""
