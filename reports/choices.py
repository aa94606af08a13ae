"""The vocabularies of scoring. Codes are stored in the database: keep them.

The states of a report job and of a violation are declared on their models (`ReportJob.State`,
`Violation.State`, `Violation.Origin`): each belongs to that one model.
"""

from campaigns.datafiles import read_toml, text_choices

# 千分制倒扣分 (seeds/002): what an inspector may deduct a point for, listed in data/violation_kinds.toml.
ViolationKind = text_choices("ViolationKind", __name__, read_toml(__file__, "violation_kinds.toml")["kind"])
