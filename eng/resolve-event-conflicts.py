"""Resolves merge conflicts where both sides appended events to SdkEventSource: keeps both sides' methods."""
import re, sys
p = sys.argv[1]
s = open(p).read()
while True:
    m = re.search(r'<<<<<<< [^\n]*\n(.*?)=======\n(.*?)>>>>>>> [^\n]*\n', s, re.S)
    if not m:
        break
    s = s[:m.start()] + m.group(1) + "        }\n    }\n\n" + m.group(2) + s[m.end():]
open(p, 'w').write(s)
