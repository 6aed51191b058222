#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Mutation check of socksec's KUnit suites.

usage: mutate.py [NAME ...]

Each mutant below is a small, plausible bug in module/decide.c (MUTANTS)
or module/facts.c (FACTS_MUTANTS). For each, run.sh builds socksec_kunit.ko
from a staged copy of the sources with the mutant in place of the file
(the repository file is never touched), runs the suites, and must fail; a
mutant the suites let pass "survived", which means a gap in the tests. Exit
status 0 only when the unmutated code passes and every applicable mutant is
killed.

  NAME  run only these mutants

Logs per mutant: build/kunit/mutants/<name>/. A mutant whose text no longer
occurs in its file (the code changed) is reported as "stale" and ignored;
update it here.
"""

import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.realpath(os.path.join(HERE, '..', '..', '..'))
RUN = os.path.join(HERE, 'run.sh')
DECIDE = 'module/decide.c'
FACTS = 'module/facts.c'

# name: (text in decide.c, replacement)
MUTANTS = {
    'validate-proto-bound': (
        'if (s->protocol > SOCKSEC_PROTO_LAST)\n\t\treturn -EPROTONOSUPPORT;',
        'if (s->protocol >= SOCKSEC_PROTO_LAST)\n\t\treturn -EPROTONOSUPPORT;'),
    'validate-both-flags-allowed': (
        '\tif ((s->flags & SOCKSEC_FLAGS_ALL) == SOCKSEC_FLAGS_ALL)\n\t\treturn -EINVAL;\n',
        ''),
    'validate-ktls-on-udp': (
        's->protocol == SOCKSEC_PROTO_KTLS && kind != SOCKSEC_SK_TCP',
        's->protocol == SOCKSEC_PROTO_KTLS && kind == SOCKSEC_SK_OTHER'),
    'validate-wrong-errno': (
        'return -ESOCKTNOSUPPORT;', 'return -EPROTOTYPE;'),
    'validate-kind-before-value': (
        'int socksec_validate(const struct socksec_settings *s,\n'
        '\t\t     enum socksec_sock_kind kind)\n{\n',
        'int socksec_validate(const struct socksec_settings *s,\n'
        '\t\t     enum socksec_sock_kind kind)\n{\n'
        '\tif (kind == SOCKSEC_SK_OTHER)\n\t\treturn -ESOCKTNOSUPPORT;\n'),
    'intern-both-flags': (
        's->flags >= SOCKSEC_NFLAGS ||\n\t    s->flags == SOCKSEC_FLAGS_ALL)',
        's->flags >= SOCKSEC_NFLAGS)'),
    'intern-wrong-slot': (
        'return &socksec_isets[s->protocol][s->flags];',
        'return &socksec_isets[s->protocol][s->flags & 1];'),
    'owned-upper-bound': (
        'if (a < lo || a > hi ||', 'if (a < lo || a > hi + 8 ||'),
    'owned-lower-bound': (
        'if (a < lo || a > hi ||', 'if (a + 8 < lo || a > hi ||'),
    'owned-no-alignment': (
        ' || (a - lo) % sizeof(struct socksec_iset))', ')'),
    'owned-both-flags-slot': (
        'return ((const struct socksec_iset *)p)->flags != SOCKSEC_FLAGS_ALL;',
        'return true;'),
    'resolve-insecure-wins': (
        'eff->flags &= ~SOCKSEC_ALLOW_INSECURE;',
        'eff->flags &= ~SOCKSEC_GUARANTEE_ENCRYPTION;'),
    'resolve-no-mask': (
        'eff->flags |= def->flags & SOCKSEC_FLAGS_ALL;',
        'eff->flags |= def->flags;'),
    'resolve-no-or': (
        'eff->flags |= def->flags & SOCKSEC_FLAGS_ALL;', ''),
    'resolve-explicit-gets-defaults': (
        'if (set->protocol != SOCKSEC_PROTO_DEFAULT)\n\t\treturn;\n'
        '\teff->protocol = def->protocol;',
        'if (set->protocol == SOCKSEC_PROTO_DEFAULT)\n'
        '\t\teff->protocol = def->protocol;'),
    'ipsec-queue-not-held': (
        'return f->xfrm_queued || f->xfrm >= need;',
        'return f->xfrm >= need;'),
    'ipsec-null-cipher-ok': (
        'need = SOCKSEC_XFRM_ENCRYPTED;', 'need = SOCKSEC_XFRM_INTEGRITY;'),
    'ipsec-any-sa-ok': (
        'return f->xfrm_queued || f->xfrm >= need;',
        'return f->xfrm_queued || f->xfrm >= need || f->xfrm != SOCKSEC_XFRM_NONE;'),
    'ktls-header-only-dropped': (
        'return f->ktls_tx || !f->has_payload;', 'return f->ktls_tx;'),
    'ktls-payload-ignored': (
        'return f->ktls_tx || !f->has_payload;', 'return true;'),
    'loopback-always-exempt': (
        'if (f->loopback && !def->protect_loopback)', 'if (f->loopback)'),
    'loopback-never-exempt': (
        'if (f->loopback && !def->protect_loopback)', 'if (0)'),
    'mode-off-ignored': (
        '\tif (def->mode == SOCKSEC_MODE_OFF)\n\t\treturn SOCKSEC_PASS_OFF;\n', ''),
    'audit-drops': (
        '\tif (def->mode == SOCKSEC_MODE_AUDIT)\n\t\treturn SOCKSEC_PASS_AUDIT;\n', ''),
    'audit-before-insecure': (
        'if (eff->flags & SOCKSEC_ALLOW_INSECURE)\n\t\treturn SOCKSEC_PASS_INSECURE;\n'
        '\tif (def->mode == SOCKSEC_MODE_AUDIT)\n\t\treturn SOCKSEC_PASS_AUDIT;\n',
        'if (def->mode == SOCKSEC_MODE_AUDIT)\n\t\treturn SOCKSEC_PASS_AUDIT;\n'
        '\tif (eff->flags & SOCKSEC_ALLOW_INSECURE)\n\t\treturn SOCKSEC_PASS_INSECURE;\n'),
    'insecure-ignored': (
        '\tif (eff->flags & SOCKSEC_ALLOW_INSECURE)\n\t\treturn SOCKSEC_PASS_INSECURE;\n', ''),
    'any-needs-both': (
        'ok = socksec_ipsec_ok(eff, f) ||\n'
        '\t\t     (f->transformed ? f->ktls_tx : socksec_ktls_ok(f));',
        'ok = socksec_ipsec_ok(eff, f) &&\n'
        '\t\t     (f->transformed ? f->ktls_tx : socksec_ktls_ok(f));'),
    'any-is-ipsec': (
        'ok = socksec_ipsec_ok(eff, f) ||\n'
        '\t\t     (f->transformed ? f->ktls_tx : socksec_ktls_ok(f));',
        'ok = socksec_ipsec_ok(eff, f);'),
    'ipsec2-unhandled': (
        '\tcase SOCKSEC_PROTO_IPSEC2:\n', ''),
    'fail-open-default': (
        'ok = false;\n\t\t*reason = SOCKSEC_R_NO_SA;',
        'ok = true;\n\t\t*reason = SOCKSEC_R_NONE;'),
    'weak-reason-for-clear': (
        'if (f->xfrm == SOCKSEC_XFRM_INTEGRITY &&',
        'if (f->xfrm != SOCKSEC_XFRM_ENCRYPTED &&'),
    'no-ktls-reason-for-ipsec': (
        'if (!ok)\n\t\t\t*reason = socksec_ipsec_reason(eff, f);\n\t\tbreak;\n'
        '\tcase SOCKSEC_PROTO_KTLS:',
        'if (!ok)\n\t\t\t*reason = SOCKSEC_R_NO_KTLS;\n\t\tbreak;\n'
        '\tcase SOCKSEC_PROTO_KTLS:'),
    'reason-not-reset': (
        '\t*reason = SOCKSEC_R_NONE;\n\tif (def->mode', '\tif (def->mode'),
    'parse-protocol-no-newline': (
        'sysfs_streq(buf, socksec_default_protocols[p])',
        '!strcmp(buf, socksec_default_protocols[p])'),
    'parse-protocol-prefix': (
        'sysfs_streq(buf, socksec_default_protocols[p])',
        '!strncmp(buf, socksec_default_protocols[p], 2)'),
    'parse-mode-wrong-value': (
        '*mode = i;', '*mode = i ? i - 1 : i;'),
    'parse-mode-writes-on-error': (
        'int i = sysfs_match_string(socksec_mode_names, buf);\n\n\tif (i < 0)',
        'int i = sysfs_match_string(socksec_mode_names, buf);\n\n'
        '\t*mode = SOCKSEC_MODE_OFF;\n\tif (i < 0)'),
    'parse-flags-both-ok': (
        'if ((v & ~SOCKSEC_FLAGS_ALL) || v == SOCKSEC_FLAGS_ALL)',
        'if (v & ~SOCKSEC_FLAGS_ALL)'),
    'parse-flags-decimal-only': (
        'kstrtou32(buf, 0, &v)', 'kstrtou32(buf, 10, &v)'),
    'parse-flags-no-range': (
        'if ((v & ~SOCKSEC_FLAGS_ALL) || v == SOCKSEC_FLAGS_ALL)',
        'if (v == SOCKSEC_FLAGS_ALL)'),
    'protocol-name-bound': (
        'if (protocol > SOCKSEC_PROTO_LAST)\n\t\treturn "unknown";',
        'if (protocol >= SOCKSEC_PROTO_LAST)\n\t\treturn "unknown";'),
    'mode-names-swapped': (
        '[SOCKSEC_MODE_AUDIT]   = "audit",\n\t[SOCKSEC_MODE_OFF]     = "off",',
        '[SOCKSEC_MODE_AUDIT]   = "off",\n\t[SOCKSEC_MODE_OFF]     = "audit",'),
    'reason-names-swapped': (
        '[SOCKSEC_R_NO_SA]\t = "no_sa",\n\t[SOCKSEC_R_WEAK_SA]\t = "weak_sa",',
        '[SOCKSEC_R_NO_SA]\t = "weak_sa",\n\t[SOCKSEC_R_WEAK_SA]\t = "no_sa",'),
}


# name: (text in facts.c, replacement)
FACTS_MUTANTS = {
    'state-ah-none': (
        'case IPPROTO_AH:\n\t\treturn SOCKSEC_XFRM_INTEGRITY;',
        'case IPPROTO_AH:\n\t\treturn SOCKSEC_XFRM_NONE;'),
    'state-gmac-encrypts': (
        'strncmp(x->aead->alg_name, "rfc4543", 7)',
        'strncmp(x->aead->alg_name, "rfc4543(ccm", 11)'),
    'state-aead-integrity': (
        'SOCKSEC_XFRM_ENCRYPTED : SOCKSEC_XFRM_INTEGRITY;',
        'SOCKSEC_XFRM_INTEGRITY : SOCKSEC_XFRM_INTEGRITY;'),
    'state-null-by-number-only': (
        'x->props.ealgo != SADB_EALG_NULL &&\n'
        '\t\t    strcmp(x->ealg->alg_name, "ecb(cipher_null)"))',
        'x->props.ealgo != SADB_EALG_NULL)'),
    'state-null-by-name-only': (
        'x->props.ealgo != SADB_EALG_NULL &&\n'
        '\t\t    strcmp(x->ealg->alg_name, "ecb(cipher_null)"))',
        'strcmp(x->ealg->alg_name, "ecb(cipher_null)"))'),
    'state-esp-no-cipher-encrypts': (
        '\t\treturn SOCKSEC_XFRM_INTEGRITY;\n\tdefault:',
        '\t\treturn SOCKSEC_XFRM_ENCRYPTED;\n\tdefault:'),
    'state-other-proto-integrity': (
        '/* IPcomp and others protect nothing. */\n\t\treturn SOCKSEC_XFRM_NONE;',
        '/* IPcomp and others protect nothing. */\n\t\treturn SOCKSEC_XFRM_INTEGRITY;'),
    'bundle-any-km-state': (
        '\t\tif (dst->xfrm->km.state != XFRM_STATE_VALID)\n\t\t\tcontinue;\n', ''),
    'bundle-invalid-ends-walk': (
        'if (dst->xfrm->km.state != XFRM_STATE_VALID)\n\t\t\tcontinue;',
        'if (dst->xfrm->km.state != XFRM_STATE_VALID)\n\t\t\tbreak;'),
    'bundle-outermost-only': (
        'for (; dst && dst->xfrm; dst = xfrm_dst_child(dst)) {',
        'for (; dst && dst->xfrm; dst = NULL) {'),
    'bundle-innermost-counts': (
        'l = socksec_state_level(dst->xfrm);\n\t\tif (l > best)',
        'l = socksec_state_level(dst->xfrm);\n\t\tif (l != best)'),
    'secpath-outermost-only': (
        'for (i = 0; i < sp->len; i++) {',
        'for (i = 0; i < 1 && i < sp->len; i++) {'),
    'secpath-skips-innermost': (
        'for (i = 0; i < sp->len; i++) {',
        'for (i = 0; i + 1 < sp->len; i++) {'),
    'secpath-innermost-counts': (
        'l = socksec_state_level(sp->xvec[i]);\n\t\tif (l > best)',
        'l = socksec_state_level(sp->xvec[i]);\n\t\tif (l != best)'),
    'spi-ah-reads-seq': (
        'off += 4;', 'off += 8;'),
    'spi-ah-reads-header': (
        'if (*proto == IPPROTO_AH)\n\t\toff += 4;\n\telse if',
        'if (*proto == IPPROTO_AH)\n\t\toff += 0;\n\telse if'),
    'spi-any-proto': (
        'else if (*proto != IPPROTO_ESP)\n\t\treturn -EINVAL;',
        'else if (*proto == IPPROTO_TCP + 1000)\n\t\treturn -EINVAL;'),
    'spi-ip-options-ignored': (
        '*proto = ip_hdr(skb)->protocol;\n'
        '\t\toff = skb_network_offset(skb) + ip_hdrlen(skb);',
        '*proto = ip_hdr(skb)->protocol;\n'
        '\t\toff = skb_network_offset(skb) + sizeof(struct iphdr);'),
    'spi-network-offset-ignored': (
        '*proto = ip_hdr(skb)->protocol;\n'
        '\t\toff = skb_network_offset(skb) + ip_hdrlen(skb);',
        '*proto = ip_hdr(skb)->protocol;\n\t\toff = ip_hdrlen(skb);'),
    'spi-v6-ext-headers-ignored': (
        '\t\t*proto = nexthdr;\n',
        '\t\t*proto = ipv6_hdr(skb)->nexthdr;\n'
        '\t\toff = skb_network_offset(skb) + sizeof(struct ipv6hdr);\n'),
    'spi-v6-skips-ah': (
        'int flags = IP6_FH_F_AUTH;', 'int flags = 0;'),
    'spi-length-unchecked': (
        'p = skb_header_pointer(skb, off, sizeof(_spi), &_spi);',
        'p = skb_header_pointer(skb, off, 0, &_spi);'),
    'payload-ip-options-ignored': (
        '\t\tproto = ip_hdr(skb)->protocol;\n'
        '\t\toff = skb_network_offset(skb) + ip_hdrlen(skb);',
        '\t\tproto = ip_hdr(skb)->protocol;\n'
        '\t\toff = skb_network_offset(skb) + sizeof(struct iphdr);'),
    'payload-v6-ext-headers-ignored': (
        'proto = ipv6_find_hdr(skb, &off, -1, NULL, NULL);',
        'proto = ipv6_hdr(skb)->nexthdr;\n'
        '\t\toff = skb_network_offset(skb) + sizeof(struct ipv6hdr);'),
    'payload-non-tcp-none': (
        'if (proto != IPPROTO_TCP)\n\t\treturn true;',
        'if (proto != IPPROTO_TCP)\n\t\treturn false;'),
    'payload-truncated-none': (
        'if (!th)\n\t\treturn true;', 'if (!th)\n\t\treturn false;'),
    'payload-tcp-options-ignored': (
        'return len > th->doff * 4U;', 'return len > sizeof(*th);'),
    'payload-header-is-payload': (
        'return len > th->doff * 4U;', 'return len >= th->doff * 4U;'),
}

ALL = {**{n: (DECIDE,) + m for n, m in MUTANTS.items()},
       **{n: (FACTS,) + m for n, m in FACTS_MUTANTS.items()}}
assert len(ALL) == len(MUTANTS) + len(FACTS_MUTANTS), 'duplicate mutant name'


def run(logdir, target=None, replace=None):
    env = dict(os.environ, SOCKSEC_KUNIT_LOGDIR=logdir)
    cmd = [RUN]
    if replace:
        cmd += ['--replace', f'{target}={replace}']
    p = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def main(argv):
    names = list(argv)
    unknown = [n for n in names if n not in ALL]
    if unknown:
        print(f'unknown mutant(s): {" ".join(unknown)}', file=sys.stderr)
        return 2
    original = {}
    for target in (DECIDE, FACTS):
        with open(os.path.join(REPO, target)) as f:
            original[target] = f.read()
    base = os.path.join(REPO, 'build', 'kunit', 'mutants')
    os.makedirs(base, exist_ok=True)

    rc, out = run(os.path.join(base, 'unmutated'))
    if rc != 0:
        print(out)
        print('mutate: the unmutated sources do not pass; nothing to check')
        return 1
    print('mutate: unmutated sources pass')

    survived, stale, killed, nobuild = [], [], [], []
    for name in names or ALL:
        target, old, new = ALL[name]
        if original[target].count(old) != 1:
            stale.append(name)
            print(f'mutate: {name:32} stale (text not found once in {target})')
            continue
        with tempfile.NamedTemporaryFile('w', suffix='.c', delete=False) as t:
            t.write(original[target].replace(old, new))
        try:
            rc, out = run(os.path.join(base, name), target, t.name)
        finally:
            os.unlink(t.name)
        if rc == 0:
            survived.append(name)
            print(f'mutate: {name:32} SURVIVED')
            continue
        if 'module build' in out:
            # A mutant the compiler rejects says nothing about the tests.
            nobuild.append(name)
            print(f'mutate: {name:32} DOES NOT BUILD (fix the mutant; log: '
                  f'{os.path.join(base, name, "module-build.log")})')
            continue
        shown = [l for l in out.splitlines()
                 if 'FAILED' in l or 'CRASHED' in l or 'ERROR' in l
                 or 'Testing complete' in l]
        why = shown[0].strip() if shown else out.strip().splitlines()[-1]
        killed.append(name)
        print(f'mutate: {name:32} killed  ({why[:90]})')

    print(f'mutate: {len(killed)} killed, {len(survived)} survived, '
          f'{len(nobuild)} do not build, {len(stale)} stale')
    return 1 if survived or nobuild else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
