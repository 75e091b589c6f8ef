#!/usr/bin/env bash
# Regenerates the generated part of knownanswers.txt: password hashes made by tools other than
# ward, one per line as "source<TAB>password<TAB>hash". The tools are Debian 12 packages
# (openssl, whois's mkpasswd, apache2-utils's htpasswd, argon2) and Python 3.11 (hashlib, hmac,
# crypt over libxcrypt, and the cryptography package for AES). Salts are fixed so that the
# output is the same each run, except bcrypt's, whose tools draw their own.
#
#   bash testdata/knownanswers.sh > testdata/knownanswers-tools.txt
set -euo pipefail
row() { printf '%s\t%s\t%s\n' "$1" "$2" "$3"; }

for pw in hello 'correct horse battery staple'; do
  row "openssl passwd -1 (OpenSSL 3.0)" "$pw" "$(openssl passwd -1 -salt 'xyzSALT9' "$pw")"
  row "openssl passwd -5 (OpenSSL 3.0)" "$pw" "$(openssl passwd -5 -salt 'saltsaltsaltsalt' "$pw")"
  row "openssl passwd -6 (OpenSSL 3.0)" "$pw" "$(openssl passwd -6 -salt 'short' "$pw")"
  row "openssl passwd -5 rounds (OpenSSL 3.0)" "$pw" "$(openssl passwd -5 -salt 'rounds=10000$abc' "$pw")"
  row "openssl passwd -6 rounds (OpenSSL 3.0)" "$pw" "$(openssl passwd -6 -salt 'rounds=1000$Qx./9' "$pw")"
  row "mkpasswd -m sha512crypt -R 20000 (whois 5.5.17)" "$pw" "$(mkpasswd -m sha512crypt -R 20000 -S 'mkpasswdsalt' "$pw")"
  row "mkpasswd -m sha256crypt (whois 5.5.17)" "$pw" "$(mkpasswd -m sha256crypt -S 'mk256salt' "$pw")"
  row "mkpasswd -m md5crypt (whois 5.5.17)" "$pw" "$(mkpasswd -m md5crypt -S 'mkmd5slt' "$pw")"
  row "htpasswd -B -C 5 (apache2-utils 2.4)" "$pw" "$(htpasswd -nbB -C 5 u "$pw" | cut -d: -f2-)"
  row "mkpasswd -m bcrypt -R 6 (whois 5.5.17)" "$pw" "$(mkpasswd -m bcrypt -R 6 "$pw")"
  row "mkpasswd -m bcrypt-a -R 4 (whois 5.5.17)" "$pw" "$(mkpasswd -m bcrypt-a -R 4 "$pw")"
  row "argon2 -id (argon2 0~20171227)" "$pw" "$(printf '%s' "$pw" | argon2 'sixteen-byte-slt' -id -t 2 -m 10 -p 1 -e)"
  row "argon2 -id -p 4 -l 16 (argon2 0~20171227)" "$pw" "$(printf '%s' "$pw" | argon2 'eightslt' -id -t 1 -m 8 -p 4 -l 16 -e)"
  row "argon2 -i (argon2 0~20171227)" "$pw" "$(printf '%s' "$pw" | argon2 'sixteen-byte-slt' -i -t 3 -m 12 -p 2 -e)"
done

python3 -W ignore - <<'PY'
import base64, crypt, hashlib, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

b64 = lambda b: base64.b64encode(b).decode()
raw = lambda b: base64.b64encode(b).decode().rstrip("=")
def row(src, pw, h): print(f"{src}\t{pw}\t{h}")

for pw in ["hello", "correct horse battery staple"]:
    p = pw.encode()
    row("python crypt METHOD_BLOWFISH (libxcrypt)", pw, crypt.crypt(pw, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 4)))
    row("python crypt METHOD_SHA512 (libxcrypt)", pw, crypt.crypt(pw, "$6$rounds=5000$libxcryptsalt"))
    row("python crypt METHOD_SHA256 (libxcrypt)", pw, crypt.crypt(pw, "$5$xcrypt256"))
    row("python crypt METHOD_MD5 (libxcrypt)", pw, crypt.crypt(pw, "$1$"))
    for name, alg, size in [("sha1", "sha1", 20), ("sha256", "sha256", 32), ("sha512", "sha512", 64),
                            ("sha224", "sha3_224", 28), ("sha384", "sha3_384", 48)]:
        salt = b"pbkdf2-salt-" + name.encode()
        for it, l in [(1000, size), (2000, 2 * size)]:
            key = hashlib.pbkdf2_hmac(alg, p, salt, it, l)
            row(f"python hashlib.pbkdf2_hmac({alg})", pw, f"$pbkdf2-{name}$i={it},l={l}${raw(salt)}${raw(key)}")
    for n, r, par in [(1024, 8, 1), (16384, 8, 1), (256, 4, 3)]:
        salt = b"scrypt salt %d" % n
        key = hashlib.scrypt(p, salt=salt, n=n, r=r, p=par, dklen=32)
        row("python hashlib.scrypt", pw, f"$scrypt$ln={n},r={r},p={par}${b64(salt)}${b64(key)}")
    # Firebase scrypt: the scrypt key of salt+separator encrypts the signer key with AES-256-CTR.
    salt, sep, signer = b"fire-salt-1", b"\x01\x02", bytes(range(64))
    ck = hashlib.scrypt(p, salt=salt + sep, n=1 << 10, r=8, p=1, dklen=32)
    enc = Cipher(algorithms.AES(ck), modes.CTR(b"\0" * 16)).encryptor()
    out = enc.update(signer) + enc.finalize()
    row("python hashlib.scrypt + cryptography AES-256-CTR (Firebase scheme)", pw,
        f"$firescrypt$ln=10,r=8,p=1${b64(salt)}${b64(out)}${b64(sep)}${b64(signer)}")
    for tag, alg in [("SSHA", "sha1"), ("SSHA256", "sha256"), ("SSHA512", "sha512")]:
        salt = b"\x00ldap\xffsalt"
        d = hashlib.new(alg, p + salt).digest()
        row(f"python hashlib.{alg} (LDAP salted)", pw, "{" + tag + "}" + b64(d + salt))
    for alg in ["sha1", "sha256", "sha512", "md5"]:
        pf, salt = b"{PASSWORD}--{SALT}{SALT}", b"pattern-salt"
        d = hashlib.new(alg, p + b"--" + salt + salt).digest()
        row(f"python hashlib.{alg} (pattern {{PASSWORD}}--{{SALT}}{{SALT}})", pw, f"${alg}$pf={b64(pf)}${b64(salt)}${b64(d)}")
    row("python hashlib.md5 (unsalted)", pw, f"$md5${b64(hashlib.md5(p).digest())}")
    for alg in ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]:
        key = b"hmac key"
        mac = hmac.new(key, p, alg).hexdigest().encode()
        row(f"python hmac({alg})", pw, f"$hmac-{alg}${b64(mac)}${b64(key)}")
PY
