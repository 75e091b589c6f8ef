package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"strings"
)

// minSecretEntropyBits is the least estimated entropy a token secret must have: 128 bits, the
// strength of the HMAC-SHA256 key it becomes. `openssl rand -base64 32` (about 256 bits) and 32
// random bytes in hex clear it with room to spare; a repeated character, a short alphabet or an
// English phrase of 32 letters (about 4 bits each by Shannon's count, far less in truth) do not.
const minSecretEntropyBits = 128

// secretEntropyBits estimates the entropy of s from its own characters: its length times the
// Shannon entropy of its character distribution, in bits. That over-estimates a human-chosen
// secret (it knows nothing of words), so it is only a floor for refusing the obviously weak; a
// secret that is a shorter string repeated counts as that string alone.
func secretEntropyBits(s string) float64 {
	s = s[:repeatPeriod(s)]
	if s == "" {
		return 0
	}
	counts := map[rune]int{}
	n := 0
	for _, r := range s {
		counts[r]++
		n++
	}
	var h float64
	for _, c := range counts {
		p := float64(c) / float64(n)
		h -= p * math.Log2(p)
	}
	return h * float64(n)
}

// repeatPeriod returns the length of the shortest string that s repeats (len(s) if none).
func repeatPeriod(s string) int {
	for p := 1; p <= len(s)/2; p++ {
		if len(s)%p == 0 && strings.Repeat(s[:p], len(s)/p) == s {
			return p
		}
	}
	return len(s)
}

// checkTokenSecrets refuses weak token secrets, naming which one (by position, never by value).
func checkTokenSecrets(secrets []string) error {
	for i, s := range secrets {
		if bits := secretEntropyBits(s); bits < minSecretEntropyBits {
			return fmt.Errorf("token_secrets[%d] is too easy to guess (about %.0f bits of entropy estimated, at least %d needed): "+
				"use random bytes, such as the output of `openssl rand -base64 32`", i, bits, minSecretEntropyBits)
		}
	}
	return nil
}

// readSecretsFile reads token_secrets_file: one secret per line; blank lines and lines starting
// with # are skipped, surrounding white space is trimmed. A file keeps the secrets out of `ps`
// and the environment of the process.
func readSecretsFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("token_secrets_file: %w", err)
	}
	var secrets []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		secrets = append(secrets, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("token_secrets_file %s: %w", path, err)
	}
	if len(secrets) == 0 {
		return nil, fmt.Errorf("token_secrets_file %s holds no secret (one per line; # starts a comment)", path)
	}
	return secrets, nil
}

// resolveTokenSecrets completes c.TokenSecrets: secrets from token_secrets_file follow those
// given directly (so a file can hold the older, verify-only ones), and every secret is checked.
func resolveTokenSecrets(c *serveConfig) error {
	if c.TokenSecretsFile != "" {
		fromFile, err := readSecretsFile(c.TokenSecretsFile)
		if err != nil {
			return err
		}
		c.TokenSecrets = append(c.TokenSecrets, fromFile...)
	}
	return checkTokenSecrets(c.TokenSecrets)
}
