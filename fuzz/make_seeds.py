#!/usr/bin/env python3
"""Builds the fuzz seed corpora (fuzz/seeds/<target>/) and dictionaries (fuzz/dict/) from the
real fixtures in fixtures/police_uk, plus hand-made edge cases.

Seeds are small (the first few lines of each fixture) and deterministic (gzip and zip
timestamps fixed), so re-running this script gives the same bytes and they can be committed.
Run from anywhere: python3 fuzz/make_seeds.py

The gzip and zip targets read a mode byte before their payload (see fuzz_targets/*.rs):
  gzip: bit 0 = gzip the payload in the harness, bit 1 = two gzip members, bit 2 = .json.gz
  zip:  bit 0 = build the archive in the harness (payload = member name, newline, text),
        bit 1 = deflate the built member
"""

import gzip
import io
import json
import shutil
import zipfile
from pathlib import Path

FUZZ = Path(__file__).resolve().parent
ROOT = FUZZ.parent
FIXTURES = ROOT / "fixtures" / "police_uk"
SEEDS = FUZZ / "seeds"
DICT = FUZZ / "dict"

LINES_PER_FIXTURE = 8  # header + 7 rows: a few KB at most
JSON_RECORDS = 3

HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,Gender,"
    "Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,Object of search,"
    "Outcome,Outcome linked to object of search,Removal of more than just outer clothing"
)
ROW = (
    "Person search,2022-09-01T00:10:00+00:00,False,,51.5,-0.1,Male,18-24,"
    "Other ethnic group - Not stated,Black,Misuse of Drugs Act 1971 (section 23),"
    "Controlled drugs,Arrest,,"
)
BOM = b"\xef\xbb\xbf"


def gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)


def zip_bytes(members, method=zipfile.ZIP_DEFLATED) -> bytes:
    """members: [(name, bytes)]; names are stored as given (even unsafe ones)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(2024, 10, 1, 0, 0, 0))
            info.compress_type = method
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def head_lines(data: bytes, n: int) -> bytes:
    lines = data.splitlines(keepends=True)[:n]
    return b"".join(lines)


def fixture_csvs():
    """(name, first lines) of every CSV fixture, compressed or not."""
    out = []
    for path in sorted(FIXTURES.glob("*.csv*")):
        data = path.read_bytes()
        if path.suffix == ".gz":
            data = gzip.decompress(data)
        name = path.name.removesuffix(".gz")
        out.append((name, head_lines(data, LINES_PER_FIXTURE)))
    return out


def csv_edge_cases():
    h, r = HEADER.encode(), ROW.encode()
    latin = r.replace(b"Male", b"M\xe9le")
    binary = r.replace(b"Person", b"Pe\x00son")
    quoted = r.replace(b"Controlled drugs", b'"Controlled\r\ndrugs, and ""more"""')
    cols = HEADER.split(",")
    vals = ROW.split(",")
    cols[0], cols[12] = cols[12], cols[0]
    vals[0], vals[12] = vals[12], vals[0]
    return {
        "empty": b"",
        "whitespace": b" \r\n\t\n",
        "bom-only": BOM,
        "header-only-lf": h + b"\n",
        "header-only-crlf": h + b"\r\n",
        "header-only-no-newline": h,
        "bom-header-only": BOM + h + b"\r\n",
        "bom-crlf-rows": BOM + h + b"\r\n" + r + b"\r\n" + r + b"\r\n",
        "double-bom": BOM + BOM + h + b"\n" + r + b"\n" + b"short,row\n",
        "cr-only": h + b"\r" + r + b"\r" + r + b"\r",
        "mixed-endings": h + b"\n" + r + b"\r\n" + r + b"\r" + r + b"\n\n\n",
        "field-counts": h + b"\n" + r + b",extra\nshort,row\n\n" + r + b"\n",
        "bad-dates": h
        + b"\n"
        + r.replace(b"2022-09-01T00:10:00+00:00", b"01/09/2022")
        + b"\n"
        + r.replace(b"2022-09-01T00:10:00+00:00", b"")
        + b"\n"
        + r.replace(b"2022-09-01T00:10:00+00:00", b"2022-02-30")
        + b"\n"
        + r.replace(b"2022-09-01T00:10:00+00:00", b"2020-02-29 23:59:60.123456-18:00")
        + b"\n",
        "windows-1252-and-binary": h + b"\n" + latin + b"\n" + binary + b"\n",
        "quoted-multiline": h + b"\r\n" + quoted + b"\r\n" + r + b"\r\n",
        "reordered-columns": (",".join(cols) + "\n" + ",".join(vals) + "\n").encode(),
        "wrong-header": b"Crime ID,Month,Type,Type\n1,2,3,4\n",
        "bad-coordinates": h
        + b"\n"
        + r.replace(b"51.5,-0.1", b"91,abc")
        + b"\n"
        + r.replace(b"51.5,-0.1", b"NaN,inf")
        + b"\n",
    }


def json_records():
    path = FIXTURES / "api" / "stops-force_metropolitan_2024-09.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))[:JSON_RECORDS]


def json_edge_cases(records):
    old_api = {
        "type": "Person search",
        "datetime": "2017-01-01T02:24:09+00:00",
        "outcome": False,
        "location": None,
        "operation": None,
        "involved_person": True,
    }
    numeric = dict(records[0])
    numeric["location"] = {"latitude": 51.5, "longitude": -0.1}
    numeric["gender"] = 3
    odd = [
        {"type": "Person search", "datetime": "yesterday"},
        {"datetime": None},
        {"datetime": 20240927},
        {"datetime": "2024-09-27", "type": ["a list"]},
        {"datetime": "2024-09-27", "outcome": "", "outcome_object": {"name": "Arrest"}},
        42,
        None,
        "text",
        [],
    ]
    return {
        "empty": b"",
        "empty-array": b"[]",
        "object": b"{}",
        "bom-array": BOM + b"[\n]\n",
        "minified": json.dumps(records, separators=(",", ":")).encode(),
        "old-api-and-numbers": json.dumps([old_api, numeric]).encode(),
        "odd-records": json.dumps(odd).encode(),
        "truncated": json.dumps(records).encode()[:300],
        "deep": b"[" * 40 + b"]" * 40,
        "escapes": '[{"datetime":"2024-09-27T09:45:00Z","type":"\\u00e9\\ud83d\\ude00\\n"}]'.encode(),
    }


def write(target: str, name: str, data: bytes):
    d = SEEDS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def seeds():
    if SEEDS.exists():
        shutil.rmtree(SEEDS)
    csvs = fixture_csvs()
    edge = csv_edge_cases()
    for name, data in csvs:
        write("csv", name.removesuffix(".csv"), data)
    for name, data in edge.items():
        write("csv", name, data)

    records = json_records()
    api = json.dumps(records, indent=2).encode() + b"\n"
    write("json", "api-3-records", api)
    for name, data in json_edge_cases(records).items():
        write("json", name, data)

    # gzip: stored files as they are (mode 0x00 / 0x04 for JSON), and texts the harness gzips.
    small = [(n, d) for n, d in csvs if n.endswith(".csv")][:3]
    for name, data in small:
        stem = name.removesuffix(".csv")
        write("gzip", f"raw-{stem}", b"\x00" + gz(data))
        write("gzip", f"build-{stem}", b"\x91" + data)
    write("gzip", "raw-api", b"\x04" + gz(api))
    write("gzip", "build-api", b"\x95" + api)
    write("gzip", "build-two-members-crlf", b"\x93" + edge["bom-crlf-rows"])
    write("gzip", "raw-two-members", b"\x00" + gz(edge["header-only-lf"]) + gz(ROW.encode() + b"\n"))
    write("gzip", "raw-truncated", b"\x00" + gz(small[0][1])[:-20])
    write("gzip", "raw-empty-gzip", b"\x00" + gz(b""))
    write("gzip", "raw-not-gzip", b"\x00" + small[0][1][:200])
    # Decompresses to 1 MiB: past the harness's 16 KiB limit.
    write("gzip", "raw-bomb", b"\x00" + gz(HEADER.encode() + b"\n" + b"\n" * (1 << 20)))

    # zip: archives as they are (mode 0x00), and member name + text the harness zips.
    name, data = small[0]
    folder = name[:7]
    member = f"{folder}/{name}"
    write("zip", "raw-archive", b"\x00" + zip_bytes([(member, data)]))
    write("zip", "raw-archive-stored", b"\x00" + zip_bytes([(member, data)], zipfile.ZIP_STORED))
    street = name.replace("stop-and-search", "street")
    unknown = f"{folder}-atlantis-stop-and-search.csv"
    write(
        "zip",
        "raw-archive-mixed",
        b"\x00"
        + zip_bytes(
            [
                (f"{folder}/", b""),
                (f"{folder}/{street}", b"Crime ID,Month\n"),
                (f"../{name}", data),
                (f"/{folder}/{name}", data),
                (f"{folder}/../{name}", data),
                (f"{folder}\\..\\..\\{name}", data),
                (f"{folder}/{unknown}", data),
                (member, data),
                ("README.txt", b"not data\n"),
            ]
        ),
    )
    # Decompresses to 1 MiB: past the limit.
    write("zip", "raw-bomb", b"\x00" + zip_bytes([(member, HEADER.encode() + b"\n" * (1 << 20))]))
    write("zip", "raw-empty-archive", b"\x00" + zip_bytes([]))
    write("zip", "raw-truncated", b"\x00" + zip_bytes([(member, data)])[:-30])
    write("zip", "build-stored", b"\x01" + member.encode() + b"\n" + data)
    write("zip", "build-deflated", b"\x03" + member.encode() + b"\n" + data)
    write("zip", "build-dotdot", b"\x01" + f"../{name}".encode() + b"\n" + data)
    write("zip", "build-inner-dotdot", b"\x01" + f"a/../{name}".encode() + b"\n" + data)
    write("zip", "build-absolute", b"\x01" + f"/{name}".encode() + b"\n" + data)
    write("zip", "build-bom-crlf", b"\x03" + member.encode() + b"\n" + edge["bom-crlf-rows"])


def dict_line(token: bytes) -> str:
    out = []
    for b in token:
        if 0x20 <= b < 0x7F and b not in (ord('"'), ord("\\")):
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return '"' + "".join(out) + '"'


def dictionaries():
    DICT.mkdir(exist_ok=True)
    csv_tokens = [c.encode() for c in HEADER.split(",")] + [
        HEADER.encode(),
        b"Person search",
        b"Vehicle search",
        b"Person and Vehicle search",
        b"2022-09-01T00:10:00+00:00",
        b"2020-02-29",
        b"T00:00:00",
        b"+00:00",
        b"-18:00",
        b"Z",
        b".123",
        b"51.509865",
        b"-0.118092",
        b"True",
        b"False",
        b"Male",
        b"White",
        b"Black",
        b"18-24",
        b"over 34",
        b"Misuse of Drugs Act 1971 (section 23)",
        b"Arrest",
        b",",
        b'"',
        b'""',
        b"\r\n",
        b"\r",
        b",,,,,,,,,,,,,,",
        BOM,
        b"\xe9",
        b"\x00",
    ]
    json_tokens = [
        b'"type"',
        b'"datetime"',
        b'"operation"',
        b'"operation_name"',
        b'"location"',
        b'"latitude"',
        b'"longitude"',
        b'"street"',
        b'"gender"',
        b'"age_range"',
        b'"self_defined_ethnicity"',
        b'"officer_defined_ethnicity"',
        b'"legislation"',
        b'"object_of_search"',
        b'"outcome"',
        b'"outcome_object"',
        b'"name"',
        b'"id"',
        b'"outcome_linked_to_object_of_search"',
        b'"removal_of_more_than_outer_clothing"',
        b'"involved_person"',
        b'"2024-09-27T09:45:00+00:00"',
        b"true",
        b"false",
        b"null",
        b"[",
        b"]",
        b"{",
        b"}",
        b":",
        b",",
        b"1e309",
        b"-0.0",
        b"\\u0000",
        b"\\ud83d\\ude00",
        BOM,
    ]
    zip_tokens = [
        b"PK\x03\x04",
        b"PK\x01\x02",
        b"PK\x05\x06",
        b"PK\x06\x06",
        b"PK\x06\x07",
        b"PK\x07\x08",
        b"\x14\x00",
        b"\x08\x00",
        b"\xff\xff\xff\xff",
        b"-stop-and-search.csv",
        b"2024-09-metropolitan",
        b"-street.csv",
        b"-outcomes.csv",
        b"../",
        b"/",
        b"\\",
        b"\n",
    ]
    gzip_tokens = [b"\x1f\x8b\x08\x00", b"\x00\x00\x00\x00", b"\xff\xff\xff\xff"]
    files = {
        "csv": csv_tokens,
        "json": json_tokens,
        "gzip": gzip_tokens + csv_tokens + json_tokens,
        "zip": zip_tokens + csv_tokens,
    }
    for target, tokens in files.items():
        seen, lines = set(), [f"# libFuzzer dictionary for the {target} target (make_seeds.py)"]
        for t in tokens:
            if t not in seen:
                seen.add(t)
                lines.append(dict_line(t))
        (DICT / f"{target}.dict").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    seeds()
    dictionaries()
    total = sum(f.stat().st_size for f in SEEDS.rglob("*") if f.is_file())
    count = sum(1 for f in SEEDS.rglob("*") if f.is_file())
    print(f"{count} seeds, {total} bytes, in {SEEDS.relative_to(ROOT)}")
