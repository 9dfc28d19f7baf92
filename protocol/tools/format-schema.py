#!/usr/bin/env python3
"""Rewrites protocol/schema/amplitude.protocol.json in its house layout: objects of scalars on one
line, a blank line between top-level sections, so diffs of the single source stay readable."""
import json
import sys
from pathlib import Path

LINE_LIMIT = 200


def is_flat(value):
    if isinstance(value, dict):
        return all(not isinstance(v, (dict, list)) or (isinstance(v, list) and all(not isinstance(x, (dict, list)) for x in v))
                   for v in value.values())
    return False


def render(value, indent):
    pad = '  ' * indent
    inner = '  ' * (indent + 1)
    if isinstance(value, dict):
        if is_flat(value):
            one_line = '{ ' + ', '.join(f'{json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}' for k, v in value.items()) + ' }'
            if len(one_line) + len(pad) <= LINE_LIMIT or not value:
                return one_line if value else '{}'
        items = [f'{inner}{json.dumps(k)}: {render(v, indent + 1)}' for k, v in value.items()]
        separator = ',\n\n' if indent == 0 else ',\n'
        return '{\n' + separator.join(items) + '\n' + pad + '}'
    if isinstance(value, list):
        if not value:
            return '[]'
        if all(not isinstance(x, (dict, list)) for x in value):
            return json.dumps(value, ensure_ascii=False).replace('","', '", "')
        return '[\n' + ',\n'.join(inner + render(x, indent + 1) for x in value) + '\n' + pad + ']'
    return json.dumps(value, ensure_ascii=False)


path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / 'schema' / 'amplitude.protocol.json')
data = json.loads(path.read_text())
path.write_text(render(data, 0) + '\n')
