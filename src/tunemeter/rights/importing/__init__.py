"""Import deals and splits from the documented CSV format or a DDEX ERN 4 message.

Both formats become the same deal specifications, applied through the rights services
in one transaction: a file is imported whole or not at all, and every error names its
line. Importing the same file again changes nothing; a deal whose terms changed (same
subject, licensor and territories) is replaced through `deal_replace`, never edited.
The CSV format is described in docs/rights-csv.md.
"""

from tunemeter.rights.importing.common import ImportRefused, ImportReport
from tunemeter.rights.importing.ern import rights_ern_import, xml_parse_safely
from tunemeter.rights.importing.tabular import rights_csv_import

__all__ = [
    "ImportRefused",
    "ImportReport",
    "rights_csv_import",
    "rights_ern_import",
    "xml_parse_safely",
]
