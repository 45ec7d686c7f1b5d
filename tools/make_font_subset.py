# Build the CJK font subset shipped in evalstats/fonts/ (needs fonttools and Debian fonts-noto-cjk).
# Usage: python tools/make_font_subset.py evalstats/fonts/NotoSansSC-evalstats.otf
import sys

from fontTools import subset
from fontTools.ttLib import TTCollection

ttc = TTCollection("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
for i, f in enumerate(ttc.fonts):
    name = f["name"].getDebugName(1)
    if name.endswith(" SC"):
        idx = i
        break
print("index", idx, ttc.fonts[idx]["name"].getDebugName(4))
chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x180))
for cp in range(0x80, 0x10000):
    ch = chr(cp)
    try:
        ch.encode("gb2312")
        chars.add(cp)
    except UnicodeEncodeError:
        pass
chars |= (
    set(range(0x3000, 0x3040))
    | set(range(0xFF00, 0xFFF0))
    | set(range(0x2000, 0x2070))
    | {0x2212, 0x00B1, 0x2264, 0x2265, 0x00D7, 0x2192, 0x2190, 0x25B2, 0x25BC}
)
print(len(chars))
opts = subset.Options()
opts.font_number = idx
opts.layout_features = ["*"]
opts.name_IDs = ["*"]
opts.name_languages = ["*"]
opts.notdef_outline = True
opts.hinting = False
opts.desubroutinize = False
font = subset.load_font("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", opts)
s = subset.Subsetter(opts)
s.populate(unicodes=chars)
s.subset(font)
subset.save_font(font, sys.argv[1], opts)
