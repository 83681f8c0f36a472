#!/usr/bin/env python3
"""Writes the fuzz seed corpora under fuzz/corpus/<target>/ (run once; the
files are committed).  Seeds: hand-written good and nasty inputs, the example
data, the small files of the bad-input corpus, the built-in programmes, and a
few real xAPI statements from ../shared/data/xapi when that folder exists."""
import hashlib, json, pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
BAD = ROOT / "tests" / "data" / "bad"
XAPI = ROOT.parent / "shared" / "data" / "xapi"


def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


for s in ["2023-01-08T16:00:00Z", "2023-02-10T23:59:59+08:00", "2023-02-11T00:00:00+08:00",
          "2023-01-10 19:00:00", "2023-01-10T19:00:00.123456+08:00", "2023-01-10T19:00:00-05:30",
          "+08:00garbage", "2023-01-10T19:00:00+08:00garbage", "2023-01-10T19:00:00+99:00",
          "2023-01-10T19:00:00-00:00", "2023-02-31T10:00:00Z", "2023-01-10T24:00:00Z",
          "2023-12-31T23:59:60Z", "2023-1-9T8:0:0", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
          "9999-12-31T23:59:59-14:00", "2023-01-10", "2024-02-29T12:00:00+14:00", "", "T", "2023-01-10T",
          "2023-01-10T19:00:00.", "2023-01-10T19:00:00,5Z", "2023-01-10t19:00:00z"]:
    put("timestamp", s)

for s in ["PT45M", "PT1H30M", "P1DT2H", "PT16559.14S", "PT0S", "P", "PT", "P1D2H", "-P1D", "P" + "9" * 80 + "D",
          "P1M", "P3Y", "P2W", "PT1.5H", "PT1H1H", "PT36H", "P3650D", "P3661D", "PT9223372036854775807S",
          "PT.5S", "PT5.S", "2700", "pt45m"]:
    put("duration", s)

events_jsonl = [
    (ROOT / "examples" / "data" / "events.jsonl").read_text(encoding="utf-8"),
    '{"kind":"study","participant":"T001","lesson":"L01","start":"2023-01-10T19:00:00+08:00","duration":2700}\n'
    '{"kind":"quiz","participant":"T001","lesson":"L01","at":"2023-01-10T19:50:00+08:00","score":60,"completed":true}\n',
    '{"id":"e1","kind":"study","participant":"T002","lesson":"L03","start":"2023-02-10T23:30:00+08:00","end":"2023-02-11T00:30:00+08:00"}\n'
    '{"id":"e1","kind":"study","participant":"T002","lesson":"L03","start":"2023-02-10T15:30:00Z","end":"2023-02-10T16:30:00Z"}\n'
    '{"id":"e2","kind":"quiz","participant":1,"lesson":7,"at":"2023-01-20 10:00:00","score":99.5}\n',
    '\ufeff{"kind":"study","participant":"T004","lesson":"L02","start":"2023-01-09T08:00:00+08:00","end":"2023-01-09T08:45:00+08:00"}\r\n',
    '{"kind":"study","participant":"T001","lesson":"L01","start":"2023-01-10T19:00:00+08:00","duration":"PT32M","kind":"quiz"}\n',
    '{"kind":"quiz","participant":"T001","lesson":"L01","at":"2023-01-10T19:35:00+08:00","score":1e400}\n{"a":[[[[[[[[[[]]]]]]]]]]}\n',
]
for text in events_jsonl:
    put("jsonl", text)
put("jsonl", (ROOT / "examples" / "data" / "participants.jsonl").read_text(encoding="utf-8"))

put("csv", (ROOT / "examples" / "data" / "events.csv").read_text(encoding="utf-8"))
put("csv", (ROOT / "examples" / "data" / "participants.csv").read_text(encoding="utf-8"))
put("csv", 'id,kind,participant,lesson,start,end,at,score,completed\r\n'
           '"a,1",study,T001,"L""01","2023-01-10T19:00:00+08:00",2023-01-10T19:45:00+08:00,,,\r\n'
           '"b\n2",quiz,T002,=L02,,,2023-01-10T20:00:00+08:00,61,true\r\n')
put("csv", 'id,unit,sector,category,verified,name\nT9,"长沙市, 芙蓉区",primary,homeroom,false,"@张三"\n')

for path in sorted(BAD.iterdir()):
    if not path.is_file() or path.stat().st_size > 16384 or path.name == "manifest.json":
        continue
    data = path.read_bytes()
    if path.name.startswith("prog_"):
        put("program", data)
    elif path.name.startswith("xapi_"):
        put("xapi", data)
    elif path.suffix == ".csv":
        put("csv", data)
    else:
        put("jsonl", data)

for path in sorted((ROOT / "programs").glob("*-*.json")):
    put("program", path.read_bytes())
put("program", '{"id":"tiny","extends":"hunan-2023-mh-winter","credit":{"minutes_per_hour":40}}')
put("program", '{"id":"x","extends":"moe-2023-mh-winter","window":{"start":"2023-01-09","end":"2023-01-08"}}')


def statement(verb, obj, actor="T001", **extra):
    s = {"id": hashlib.md5(f"{verb}{obj}{actor}{extra}".encode()).hexdigest(),
         "actor": {"account": {"homePage": "https://example.org", "name": actor}},
         "verb": {"id": "http://adlnet.gov/expapi/verbs/" + verb},
         "object": {"id": obj}, "timestamp": "2023-01-12T20:00:00+08:00"}
    s.update(extra)
    return s


mine = [
    statement("terminated", "https://example.org/course/L01", result={"duration": "PT45M"}),
    statement("passed", "https://example.org/course/L01?id=L01#q", result={"score": {"scaled": 0.8}}),
    statement("failed", "https://example.org/course/L02/quiz", actor="T002", result={"score": {"raw": 3, "max": 10}}),
    statement("experienced", "https://example.org/course/L03", actor="T004", result={"duration": "PT16559.14S"}),
    statement("completed", "https://example.org/course/L04", result={"duration": "P1DT2H"}),
    {"id": "v1", "actor": {"mbox": "mailto:steve@example.org"}, "verb": {"id": "http://adlnet.gov/expapi/verbs/voided"},
     "object": {"objectType": "StatementRef", "id": "00000000-0000-0000-0000-000000000000"},
     "timestamp": "2023-01-12T21:00:00Z"},
]
put("xapi", json.dumps(mine, ensure_ascii=False))
put("xapi", "\n".join(json.dumps(s) for s in mine) + "\n")
if XAPI.exists():
    files = sorted(XAPI.rglob("*.json"))
    for path in files[:: max(1, len(files) // 24)]:
        data = path.read_bytes()
        if len(data) > 16384:
            try:
                doc = json.loads(data)
                data = json.dumps(doc[:6] if isinstance(doc, list) else doc).encode()
            except ValueError:
                data = data[:16384]
        put("xapi", data)
