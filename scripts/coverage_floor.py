"""Prints line and branch coverage of engine/ and webapp/ from the combined data; exit 1 under the floor.

coverage.py's own fail_under mixes lines and branches when branch coverage is on; the floor is on lines.
"""
import json
import sys

FLOOR = 90.0  # % of lines


def main(data_json):
    totals = json.load(open(data_json, encoding="utf-8"))["totals"]
    lines = 100 * totals["covered_lines"] / totals["num_statements"]
    branches = 100 * totals["covered_branches"] / totals["num_branches"] if totals["num_branches"] else 100.0
    print(f"coverage of engine/ and webapp/: lines {lines:.1f} % ({totals['covered_lines']}/{totals['num_statements']}), "
          f"branches {branches:.1f} % ({totals['covered_branches']}/{totals['num_branches']}); floor {FLOOR:.0f} % of lines")
    if lines < FLOOR:
        print(f"FAIL: line coverage {lines:.1f} % is under the floor of {FLOOR:.0f} %")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
