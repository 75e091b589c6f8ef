// Package password owns what ward does with a password credential in Ory Kratos's contract: hashing
// new passwords, verifying stored and imported hashes, bounding the work a stored hash may demand,
// deciding when a hash should be replaced, and the password policy of registration and settings.
//
// A [Hasher] hashes with one configured algorithm, argon2id (the default) or bcrypt, and verifies
// every format Kratos v1.3.1 accepts in credentials.password.config.hashed_password:
//
//	bcrypt         $2a$, $2b$, $2y$ (and $2$, $2z$, which Kratos also accepts)
//	argon2id       $argon2id$v=19$m=…,t=…,p=…$salt$key  (PHC, base64 without padding)
//	argon2i        $argon2i$v=19$m=…,t=…,p=…$salt$key
//	pbkdf2         $pbkdf2-sha1$, -sha224$, -sha256$, -sha384$, -sha512$ with i=…,l=…
//	scrypt         $scrypt$ln=…,r=…,p=…$salt$key  (padded base64; ln holds N itself, as in Kratos)
//	firescrypt     $firescrypt$ln=…,r=…,p=…$salt$hash$separator$signer_key  (Firebase's scrypt)
//	salted SHA     {SSHA}, {SSHA256}, {SSHA512}: base64 of digest and salt (LDAP)
//	pattern SHA    $sha1$, $sha256$, $sha512$ with pf=…$salt$hash ({SALT}/{PASSWORD} pattern)
//	md5            $md5$hash, or $md5$pf=…$salt$hash
//	hmac           $hmac-md4$ … $hmac-sha512$: base64 of the hex MAC, then base64 of the key
//	md5-crypt      $1$ or Kratos's $md5-crypt$
//	sha-crypt      $5$, $6$ or Kratos's $sha256-crypt$, $sha512-crypt$, with or without rounds=
//
// Where Kratos's reading of a format is peculiar, ward reads it the same way, so that a hash that
// verifies under Kratos verifies under ward: the scrypt ln field is N (not its logarithm), the
// pbkdf2 l field is ignored in favour of the length of the encoded key, and pbkdf2-sha224 and
// pbkdf2-sha384 use SHA3-224 and SHA3-384. Where Kratos accepts a hash that cannot be right, ward
// refuses it: a pattern without {PASSWORD} (which any password would match), an unknown pbkdf2
// digest (which Kratos silently treats as SHA-256), argon2 memory below 8 KiB per lane. Kratos's
// documentation also names argon2d, which its code does not accept; neither does ward
// (golang.org/x/crypto/argon2 offers no argon2d).
//
// [Hasher.Check] validates a hash to be imported; [Hasher.Verify] applies the same checks to a
// stored one. Both bound the work a hash may ask for ([Bounds]) so that a login costs at most about
// a second, and a Hasher runs at most a fixed number of hashes at once, so that concurrent logins
// cannot exhaust memory. A malformed or out-of-bounds hash is a [fault.InvalidArgument] error that
// names what is wrong; no error, log line or String method ever holds a password or a hash.
//
// [Policy] checks a new password: its length, the bundled list of common passwords (in place of
// Kratos's network check against Have I Been Pwned), and its similarity to the identity's
// identifiers, with Kratos's rule. Its errors are [*PolicyError] values that carry Kratos's reason
// and message parameters.
package password
