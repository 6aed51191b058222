#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Strict check of KUnit KTAP output, independent of the kernel's kunit.py.

usage: ktap_check.py [--allow-skip] FILE

FILE holds KTAP (KUnit's nesting: four spaces per level); lines that are not
KTAP (other kernel messages, diagnostics) are ignored. The check fails when:
  - there is no KTAP, or the top level has no plan;
  - any result is "not ok" (a failed test, parameter, case or suite);
  - a test is skipped (unless --allow-skip);
  - a block ends without its result, results are numbered out of order or
    twice, or a block's results do not match its plan "1..N" (a missing
    suite or test, or a crash that cut the output short);
  - a parameterised test reports no parameter at all;
  - a parent says "ok" while something under it failed.
It prints one line per problem and the totals; exit status 0 only when all
leaf tests passed.
"""

import re
import sys

INDENT = 4
RE_VERSION = re.compile(r'^(?:K?TAP) version (\d+)$')
RE_SUBTEST = re.compile(r'^# Subtest: (.*)$')
RE_PLAN = re.compile(r'^1\.\.(\d+)$')
RE_RESULT = re.compile(r'^(ok|not ok) (\d+)(?: -)?(?: (.*?))?(?: # (.*))?$')


class Block:
    def __init__(self, depth, lineno):
        self.depth = depth
        self.lineno = lineno
        self.name = None
        self.plan = None
        self.count = 0
        self.failed = False     # something under it failed

    def label(self):
        return self.name or f'<block at line {self.lineno}>'


def check(lines, allow_skip):
    problems = []
    fails = []
    skips = []
    passed = 0
    stack = []
    saw_top = False
    suites = 0

    def path(extra=None):
        names = [b.label() for b in stack[1:]]
        if extra:
            names.append(extra)
        return '.'.join(names) if names else '<top>'

    def close(block, lineno):
        if block.plan is not None and block.count != block.plan:
            problems.append(f'line {lineno}: {path()}: {block.count} '
                            f'result(s), plan was 1..{block.plan}')
        if block.plan is None and block.count == 0:
            problems.append(f'line {lineno}: {path()}: no results at all')

    for lineno, raw in enumerate(lines, 1):
        line = raw.rstrip()
        body = line.lstrip(' ')
        spaces = len(line) - len(body)
        if not body or spaces % INDENT:
            continue
        depth = spaces // INDENT
        m_ver = RE_VERSION.match(body)
        m_sub = RE_SUBTEST.match(body)
        m_plan = RE_PLAN.match(body)
        m_res = RE_RESULT.match(body)
        if not (m_ver or m_sub or m_plan or m_res):
            continue            # diagnostics, other kernel messages

        if not stack:
            if depth != 0 or not m_ver:
                continue        # nothing until the top-level header
            stack.append(Block(0, lineno))
            saw_top = True
            continue

        if m_ver or m_sub or m_plan:
            if stack[-1].depth > depth:
                problems.append(f'line {lineno}: {path()} ended without a '
                                f'result')
                while stack[-1].depth > depth:
                    stack.pop()
            if stack[-1].depth == depth - 1:
                stack.append(Block(depth, lineno))
            elif stack[-1].depth != depth:
                problems.append(f'line {lineno}: header nested too deep: '
                                f'{body!r}')
                continue
            top = stack[-1]
            if (m_ver or m_sub) and top.count:
                problems.append(f'line {lineno}: header after results in '
                                f'{path()}: {body!r}')
                continue
            if m_sub:
                top.name = m_sub.group(1)
            if m_plan:
                if top.plan is not None:
                    problems.append(f'line {lineno}: second plan in {path()}')
                top.plan = int(m_plan.group(1))
            continue

        # A result line.
        ok = m_res.group(1) == 'ok'
        num = int(m_res.group(2))
        desc = m_res.group(3) or ''
        directive = m_res.group(4) or ''
        skip = directive.upper().startswith('SKIP')
        child = None
        if stack[-1].depth > depth + 1:
            problems.append(f'line {lineno}: {path()} ended without a result')
            while stack[-1].depth > depth + 1:
                stack.pop()
        if stack[-1].depth == depth + 1:
            child = stack[-1]
            if child.name and desc and child.name != desc:
                problems.append(f'line {lineno}: result "{desc}" closes '
                                f'subtest "{child.name}"')
            close(child, lineno)
            stack.pop()
        if stack[-1].depth != depth:
            problems.append(f'line {lineno}: result outside any block: '
                            f'{body!r}')
            continue
        block = stack[-1]
        if num != block.count + 1:
            problems.append(f'line {lineno}: {path()}: result number {num}, '
                            f'expected {block.count + 1}')
        block.count = max(block.count, num)
        name = path(desc)
        if depth == 0:
            suites += 1
        if child is None:
            if not ok:
                fails.append(name)
            elif skip:
                skips.append(name)
            else:
                passed += 1
            if not ok or skip:
                for b in stack:
                    b.failed = True
        else:
            if not ok and not child.failed:
                fails.append(name + ' (itself)')
            if ok and not skip and child.failed and not allow_skip:
                problems.append(f'line {lineno}: {name} says ok although '
                                f'something under it did not pass')
            if not ok:
                for b in stack:
                    b.failed = True

    if not saw_top:
        problems.append('no KTAP output ("KTAP version 1") found')
    else:
        if len(stack) > 1:
            problems.append(f'output ends inside {path()}: crashed or cut '
                            f'short')
            while len(stack) > 1:
                stack.pop()
        top = stack[0]
        if top.plan is None:
            problems.append('no top-level plan')
        close(top, len(lines))

    return problems, fails, skips, passed, suites


def main(argv):
    allow_skip = '--allow-skip' in argv
    args = [a for a in argv if a != '--allow-skip']
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    with open(args[0], errors='backslashreplace') as f:
        lines = f.read().splitlines()
    problems, fails, skips, passed, suites = check(lines, allow_skip)
    for p in problems:
        print(f'ktap_check: ERROR: {p}')
    for f in fails:
        print(f'ktap_check: FAILED: {f}')
    for s in skips:
        print(f'ktap_check: SKIPPED: {s}')
    total = passed + len(fails) + len(skips)
    print(f'ktap_check: {suites} suites, {total} tests: {passed} passed, '
          f'{len(fails)} failed, {len(skips)} skipped, '
          f'{len(problems)} errors')
    bad = problems or fails or (skips and not allow_skip) or total == 0
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
