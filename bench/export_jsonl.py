"""Writes the warnings of varsom responses as JSON lines, each element's
bytes exactly as they stand in the response (what skred's bus stores:
the array element sliced out, surrounding whitespace dropped).

  export_jsonl.py OUT.jsonl BODY...   (or BODY names on stdin with -)

Prints "<warnings> <bytes>" (the bytes of the elements, no newlines).
"""
import json
import sys

WS = " \t\r\n"


def elements(text):
    dec = json.JSONDecoder()
    i = 0
    n = len(text)
    while i < n and text[i] in WS:
        i += 1
    if i >= n or text[i] != "[":
        raise ValueError("not a JSON array")
    i += 1
    while True:
        while i < n and text[i] in WS:
            i += 1
        if i < n and text[i] == "]":
            return
        _, end = dec.raw_decode(text, i)
        yield text[i:end]
        i = end
        while i < n and text[i] in WS:
            i += 1
        if i < n and text[i] == ",":
            i += 1
        elif i < n and text[i] == "]":
            return
        else:
            raise ValueError("bad separator at %d" % i)


def main():
    out = open(sys.argv[1], "w", encoding="utf-8", newline="\n")
    names = sys.argv[2:]
    if names == ["-"]:
        names = [ln.strip() for ln in sys.stdin if ln.strip()]
    count = nbytes = 0
    for name in names:
        with open(name, encoding="utf-8") as f:
            text = f.read()
        for el in elements(text):
            if "\n" in el:
                el = el.replace("\r\n", " ").replace("\n", " ")
            out.write(el)
            out.write("\n")
            count += 1
            nbytes += len(el.encode("utf-8"))
    out.close()
    print(count, nbytes)


if __name__ == "__main__":
    main()
