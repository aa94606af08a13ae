"""What every uploaded file passes before anything reads it: its size, its type by content, and
for a spreadsheet the shape its archive declares.

Every form and serializer that takes a file calls one of these (through the service that stores
it), so the limits live in one place, `settings.UPLOAD_LIMITS` and `settings.SHEET_LIMITS`:

- `check_file(upload, kind)`: the size limit of the kind and its allow-list of types, told by the
  first bytes (the `filetype` signatures), never by the name or the browser's content type.
- `check_image(upload, kind)`: the same, then the pixel count read from the header (Pillow opens
  lazily) against `UPLOAD_MAX_IMAGE_PIXELS` before anything is decoded; the image, verified and
  decoded, is returned.
- `check_sheet(fileobj, kind)`: an .xlsx is a zip; before any parser sees it, the archive's entry
  count, the sizes its entries unpack to, and the first worksheet's declared `<dimension>` are
  checked in the request (cheap: the central directory and the sheet's first kilobytes).
  `scan_sheet()`, in the task, then streams the worksheet once to find its real last row and
  column (a sheet may declare A1 and hold a cell at XFD1048576) before the parse.

A refusal is an `UploadRefused`: 400 `{"code": "file_too_large" | "file_type" | "sheet_too_large",
"detail": <Chinese, naming the limit>, "errors": {field: [...]}}`.
"""

import functools
import re
import zipfile
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree

import filetype
from django.conf import settings
from PIL import Image, UnidentifiedImageError

from campaigns.errors import InvalidInput

FILE_TOO_LARGE = "file_too_large"
FILE_TYPE = "file_type"
SHEET_TOO_LARGE = "sheet_too_large"

# What a type is called in messages, by the extension `filetype` reports.
TYPE_NAMES = {
    "jpg": "JPEG",
    "png": "PNG",
    "webp": "WebP",
    "heic": "HEIC",
    "pdf": "PDF",
    "docx": "Word",
    "doc": "Word",
    "xlsx": "Excel",
    "xls": "Excel",
}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc / .xls (compound file); filetype names it by guess
SNIFF_BYTES = 8192
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z$]*\d*)(?::\$?([A-Z]+)\$?(\d+))?"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="\$?([A-Z]{1,4})\$?(\d{1,9})"')
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_PLAIN_ROW_TAG = re.compile(rb"<row[\s>/]")  # a literal prefix: much faster, when no row tag is prefixed
_REF = re.compile(r"\$?([A-Z]+)\$?(\d+)")
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
SCAN_CHUNK = 1 << 22


class UploadRefused(InvalidInput):
    """A file refused before it is read: too large, of a type not taken, or a sheet too big."""

    def __init__(self, code: str, message: str, *, field: str = "file"):
        super().__init__(message, code=code, fields={field: [message]})


def size_text(n: int) -> str:
    """1 MiB and up as "10MB", less as "500KB": how a limit is named to the user."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g}MB"
    return f"{max(1, n // 1024)}KB"


def limits(kind: str) -> dict:
    try:
        return settings.UPLOAD_LIMITS[kind]
    except KeyError:
        raise LookupError(f"no upload limits for {kind!r} in settings.UPLOAD_LIMITS") from None


def sniff(upload: IO[bytes]) -> str | None:
    """The type of a file by its first bytes (an extension such as "jpg", "pdf", "xlsx"), or None."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        return kind.extension
    if head.startswith(OLE2):
        return "ole2"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _allowed(found: str | None, allowed: tuple[str, ...]) -> bool:
    if found in allowed:
        return True
    # .xlsx/.docx that filetype sees only as a zip (the part it looks for is far in), .xls/.doc as OLE2.
    if found == "zip":
        return bool({"xlsx", "docx"} & set(allowed))
    if found == "ole2":
        return bool({"xls", "doc"} & set(allowed))
    return False


def check_file(upload, kind: str, *, field: str = "file", label: str = "文件") -> str:
    """Refuse a file over the kind's size or outside its types; the type found by content."""
    rule = limits(kind)
    size = upload.size if getattr(upload, "size", None) is not None else _size_of(upload)
    if size > rule["max_bytes"]:
        raise UploadRefused(FILE_TOO_LARGE, f"{label}不能超过{size_text(rule['max_bytes'])}", field=field)
    found = sniff(upload)
    allowed = tuple(rule["types"])
    if not _allowed(found, allowed):
        names = list(dict.fromkeys(TYPE_NAMES.get(t, t.upper()) for t in allowed))
        listed = "、".join(names[:-1]) + "或" + names[-1] if len(names) > 1 else names[0]
        raise UploadRefused(FILE_TYPE, f"只能上传{listed}格式的{label}", field=field)
    if found in ("jpg", "png", "webp"):
        _check_pixels(upload, field=field, label=label)
    return found


def _size_of(f) -> int:
    f.seek(0, 2)
    n = f.tell()
    f.seek(0)
    return n


def _check_pixels(upload, *, field: str, label: str) -> None:
    """The pixel count from the header, before any decoding (Image.open reads only the header)."""
    limit = settings.UPLOAD_MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limit
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            width, height = probe.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        # Its signature is an image's but its header is not readable: stored files are never
        # decoded, so that is left to a viewer; photos are refused by check_image's decoding.
        return
    except Image.DecompressionBombError:
        width, height = limit, 2
    finally:
        upload.seek(0)
    if width * height > limit:
        raise UploadRefused(FILE_TOO_LARGE, f"{label}不能超过{limit / 10_000:g}万像素", field=field)


def check_image(upload, kind: str = "photo", *, field: str = "image", label: str = "照片") -> Image.Image:
    """A photo checked by size, type and pixel count before decoding; returned decoded."""
    check_file(upload, kind, field=field, label=label)
    try:
        upload.seek(0)
        image = Image.open(upload)
        image.verify()  # the file's structure; the image must be reopened afterwards
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise UploadRefused(FILE_TYPE, f"无法识别该{label}，请重新选择", field=field) from None
    return image


# --- spreadsheets ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SheetLimits:
    rows: int
    columns: int
    unpacked_bytes: int
    entries: int
    memory_bytes: int
    cpu_seconds: int

    @classmethod
    def of(cls, kind: str) -> "SheetLimits":
        return cls(**settings.SHEET_LIMITS[kind])


def column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def _too_big(kind: str, message: str):
    return UploadRefused(SHEET_TOO_LARGE, message)


def first_sheet_member(zf: zipfile.ZipFile) -> str | None:
    """The zip member of the first worksheet (what a reader takes as sheet 0)."""
    try:
        wb = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        sheet = wb.find(f"{_NS_MAIN}sheets/{_NS_MAIN}sheet")
        rid = sheet.get(f"{_NS_REL}id")
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        for rel in rels:
            if rel.get("Id") == rid:
                target = rel.get("Target")
                return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    except (KeyError, AttributeError, ElementTree.ParseError):
        pass
    names = sorted(n for n in zf.namelist() if n.startswith("xl/worksheets/sheet"))
    return names[0] if names else None


def check_sheet(fileobj: IO[bytes], kind: str, *, noun: str = "表格") -> None:
    """The cheap checks of an .xlsx, before any parser: entries, unpacked size, declared dimension."""
    lim = SheetLimits.of(kind)
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            infos = zf.infolist()
            if len(infos) > lim.entries:
                raise _too_big(kind, f"{noun}压缩包内文件不能超过{lim.entries}个")
            if sum(i.file_size for i in infos) > lim.unpacked_bytes:
                raise _too_big(kind, f"{noun}解压后不能超过{size_text(lim.unpacked_bytes)}")
            member = first_sheet_member(zf)
            if member is None:
                return  # the parser reports an unreadable file
            with zf.open(member) as stream:
                head = stream.read(16384)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return  # not a readable zip: the parser's "unreadable" answer, in the task
    finally:
        fileobj.seek(0)
    m = _DIMENSION.search(head)
    if m:
        last = m.group(2) and (m.group(2).decode(), m.group(3).decode())
        if not last:
            ref = _REF.match(m.group(1).decode())
            last = ref and (ref.group(1), ref.group(2))
        if last:
            _check_extent(kind, lim, int(last[1]), column_number(last[0].upper()), noun, declared=True)


def _check_extent(kind: str, lim: SheetLimits, rows: int, columns: int, noun: str, *, declared: bool) -> None:
    what = "声明的范围" if declared else ""
    if rows > lim.rows:
        raise _too_big(kind, f"{noun}{what}超过{lim.rows:,}行的上限（至第{rows:,}行）")
    if columns > lim.columns:
        raise _too_big(kind, f"{noun}{what}超过{lim.columns}列的上限（至{column_letters(min(columns, 16384))}列）")


def scan_sheet(fileobj: IO[bytes], kind: str, *, noun: str = "表格", all_sheets: bool = False) -> None:
    """The full check, in the task before the parse: `check_sheet`, then one streamed pass over the
    first worksheet's XML (every worksheet's with `all_sheets`) for its real last row and column
    (C-speed regexes over 4 MB chunks)."""
    check_sheet(fileobj, kind, noun=noun)
    lim = SheetLimits.of(kind)
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as zf:
            if all_sheets:
                members = sorted(n for n in zf.namelist() if _WORKSHEET.match(n))
            else:
                members = [m for m in (first_sheet_member(zf),) if m is not None]
            for member in members:
                _scan_member(zf, member, kind, lim, noun)
    except (zipfile.BadZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return
    finally:
        fileobj.seek(0)


def _scan_member(zf: zipfile.ZipFile, member: str, kind: str, lim: SheetLimits, noun: str) -> None:
    """The real extent of one worksheet, checked a chunk at a time. Cheap on a sheet within the
    limits: per chunk, searches with a literal prefix (`r="`, `<row`) that the regex engine scans
    for at C speed; the exact patterns run only on a chunk where one of them hit (a cell beyond
    the last column, or a row number as long as the limit's), or that has prefixed row tags."""
    fast_wide, fast_long, long_rows = _extent_patterns(lim.rows, lim.columns)
    max_row = max_col = rows_seen = 0
    tail = b""
    with zf.open(member) as stream:
        while chunk := stream.read(SCAN_CHUNK):
            buf = tail + chunk
            cut = buf.rfind(b"<")  # a tag cut in two is read whole with the next chunk
            if cut <= 0:
                cut = len(buf)
            body, tail = buf[:cut], buf[cut:]
            rows_seen += len((_ROW_TAG if b":row" in body else _PLAIN_ROW_TAG).findall(body))
            if fast_long.search(body) and (numbers := long_rows.findall(body)):
                max_row = max(max_row, max(map(int, numbers)))  # shorter row numbers are within the limit
            if fast_wide.search(body) and (cells := _CELL_REF.findall(body)):
                max_col = max(max_col, *(column_number(c.decode()) for c in {letters for letters, _ in cells}))
            _check_extent(kind, lim, max(max_row, rows_seen), max_col, noun, declared=False)


@functools.cache
def _extent_patterns(rows: int, columns: int) -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """(a reference beyond column `columns`; one with a row number at least as long as `rows`;
    the row numbers of the cell references that are). The first two may also hit another
    attribute ending in r: they only decide whether a chunk gets the exact patterns."""
    last = column_letters(columns)
    beyond = [f"[A-Z]{{{len(last) + 1},}}"]  # longer column letters
    for i, letter in enumerate(last):  # as long, and greater
        if letter != "Z":
            beyond.append(f"{last[:i]}[{chr(ord(letter) + 1)}-Z][A-Z]{{{len(last) - i - 1}}}")
    digits = f"\\d{{{len(str(rows))},9}}"
    return (
        re.compile(rf'r="\$?(?:{"|".join(beyond)})\$?\d'.encode()),
        re.compile(rf'r="\$?[A-Z]{{1,4}}\$?{digits}"'.encode()),
        re.compile(rf'<(?:\w+:)?c\s[^>]*?\br="\$?[A-Z]{{1,4}}\$?({digits})"'.encode()),
    )


# --- at the edge: serializer and form fields -----------------------------------------------------
class UploadValidator:
    """A field validator: `serializers.FileField(validators=[UploadValidator("evidence", ...)])`.
    It raises `UploadRefused`, which the API answers with its own code (file_too_large, file_type)."""

    def __init__(self, kind: str, *, field: str = "file", label: str = "文件"):
        self.kind, self.field, self.label = kind, field, label

    def __call__(self, upload) -> None:
        check_file(upload, self.kind, field=self.field, label=self.label)


class FormUploadValidator(UploadValidator):
    """The same for a Django form field: the refusal becomes the field's error."""

    def __call__(self, upload) -> None:
        from django.core.exceptions import ValidationError

        try:
            super().__call__(upload)
        except UploadRefused as exc:
            raise ValidationError(exc.message, code=exc.code) from None
