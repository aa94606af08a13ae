"""Small pieces of the foundation that any app may use: no tables of their own, no knowledge of the feature apps.

- masking: how identity numbers and phone numbers are shown to those who may not read them whole.
- sql: set-based writes the ORM has no words for.
- imports: one design for spreadsheet imports (ImportJobBase, Importer, ImportStatus): upload,
  preview, confirm.
- xlsx: the one .xlsx writer (templates, exports) and its download response.
- charts: SVG charts for the report pages and PDFs.
- pdf: HTML → PDF (WeasyPrint) with the vendored fonts and a URL fetcher that reads only static and media files.
"""
