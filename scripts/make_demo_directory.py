"""Write directory/data/demo_directory.json: real Hefei divisions, invented providers.

Run by hand when the demo should change: `.venv/bin/python scripts/make_demo_directory.py`.
Deterministic (fixed seed), so the committed file only changes when this script does.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

from directory.lexicon import DEMO_DIRECTORY_FILE, HEFEI_DIVISIONS_FILE
from directory.names import spoken

DISTRICTS = {"340111": "包河区", "340104": "蜀山区"}
ALIASES = {
    "340176": ["高新区"], "340177": ["经开区", "经济开发区"], "340178": ["新站区"],
    "3401": ["合肥"], "340111": ["包河"], "340104": ["蜀山"],
}
TEMPLATES = {
    "meal": ["{p}老年食堂", "{p}助餐点", "{p}爱心送餐服务队"],
    "cleaning": ["{p}家政服务站", "{p}助洁服务队"],
    "bathing": ["{p}助浴服务点", "{p}上门助浴服务队"],
    "medical": ["{p}社区卫生服务站", "{p}家庭医生工作室"],
    "mobility": ["{p}助行陪护服务队", "{p}无障碍出行服务点"],
    "rehab": ["{p}康复训练室", "{p}残疾人康复站"],
    "devices": ["{p}辅具租赁点", "{p}适老化改造服务点"],
    "daycare": ["{p}日间照料中心", "{p}托老所"],
    "companion": ["{p}志愿者探访队", "{p}心理慰藉工作室"],
    "benefits": ["{p}便民服务窗口"],
    "legal": ["{p}法律援助工作站"],
    "repair": ["{p}便民维修服务部", "{p}水电维修服务队"],
}
HOURS = [
    "Mo-Fr 08:30-17:30; Sa 09:00-12:00; PH off",
    "Mo-Su 07:00-19:00",
    "Mo-Fr 09:00-17:00; PH off",
    "Mo-Sa 08:00-18:00; PH 09:00-12:00",
    None,
]


def main() -> None:
    """Build and write the demo directory."""
    rng = random.Random(20261127)
    with HEFEI_DIVISIONS_FILE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by_code = {r["code"]: r for r in rows}
    phones = iter(range(63_100_001, 63_999_999))

    def phone() -> str:
        return f"+86551{next(phones)}"

    providers = []
    for district, district_name in DISTRICTS.items():
        providers.append({
            "id": f"dcc-{district}", "name": f"{district_name}社会服务呼叫中心",
            "kind": "district_call_center", "division": district, "phone": phone(),
            "categories": [], "serves": [district]})
        townships = [r for r in rows if r["parent_code"] == district]
        for town in townships:
            short = spoken(town["name"]).core
            providers.append({
                "id": f"tc-{town['code']}", "name": f"{short}社会服务中心",
                "kind": "township_center", "division": town["code"], "phone": phone(),
                "categories": [], "serves": [town["code"]], "hours": HOURS[0]})
            for village in (r for r in rows if r["parent_code"] == town["code"]):
                name = spoken(village["name"])
                providers.append({
                    "id": f"vs-{village['code']}", "name": f"{name.core}{name.kind}社会服务站",
                    "kind": "village_station", "division": village["code"], "phone": phone(),
                    "categories": [], "serves": [village["code"]], "hours": HOURS[2]})
        n = 0
        for category, templates in TEMPLATES.items():
            # One district-wide provider, then some serving single streets or communities.
            places = [district, *rng.sample([t["code"] for t in townships], 2)]
            villages = [r["code"] for r in rows
                        if r["code"].startswith(district) and r["level"] == "5"]
            places += rng.sample(villages, 3)
            for place in places:
                n += 1
                where = spoken(by_code[place]["name"])
                template = rng.choice(templates)
                providers.append({
                    "id": f"p-{district}-{n:03d}",
                    "name": template.format(p=where.core + (where.kind if len(place) == 12
                                                             else "")),
                    "kind": "provider", "division": place, "phone": phone(),
                    "categories": [category], "serves": [place],
                    "hours": rng.choice(HOURS), "capacity": rng.choice([None, 10, 20, 40, 80]),
                })
    divisions = [
        {"code": code, "name": by_code[code]["name"], "level": int(by_code[code]["level"]),
         "parent_code": by_code[code]["parent_code"] or None, "aliases": aliases}
        for code, aliases in ALIASES.items()
    ]
    doc = {"divisions": divisions, "providers": providers}
    Path(DEMO_DIRECTORY_FILE).write_text(
        json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(providers)} providers to {DEMO_DIRECTORY_FILE}")


if __name__ == "__main__":
    main()
