"""What traces a downloaded file back to its download: who made it, for which unit, when.

`write_xlsx` writes a Trace into the workbook's properties and as the first row of every sheet;
`render_pdf` into the document's metadata and as a line at the top of every page. Both take it
as a required argument, so no download is made without deciding what it carries.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Trace:
    user: str
    unit: str
    at: str
    # A poster for a public board is meant to be seen: it names its maker, without the
    # confidentiality note of internal files.
    public: bool = False

    @property
    def line(self) -> str:
        if self.public:
            return f"制作人：{self.user}　单位：{self.unit}　生成时间：{self.at}"
        return f"导出人：{self.user}　单位：{self.unit}　导出时间：{self.at}　内部资料，注意保密"

    @property
    def keywords(self) -> str:
        return f"导出:{self.at}"
