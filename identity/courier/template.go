package courier

import (
	"bytes"
	"encoding/base64"
	"fmt"
	htmltemplate "html/template"
	"os"
	"slices"
	"strings"
	texttemplate "text/template"
)

// TemplateOverride replaces parts of a built-in template, as Kratos's
// courier.templates.<type>.<valid|invalid>.email.{subject,body.plaintext,body.html} do. Each is a
// URL of the template's text: file://PATH (a path on this machine, relative to the working
// directory unless absolute) or base64://DATA (standard or URL-safe base64, padded or not); ""
// keeps the built-in part.
type TemplateOverride struct {
	Subject   string
	PlainText string
	HTML      string
}

// MaxTemplateBytes bounds the size of one template's text.
const MaxTemplateBytes = 1 << 20

// templates holds the parsed templates of every type.
type templates map[string]*emailTemplate

type emailTemplate struct {
	subject, plain *texttemplate.Template
	html           *htmltemplate.Template
}

// parseTemplates parses the built-in templates with the overrides applied. An override of a type
// Kratos does not have, a URL it cannot load, or a template that does not parse is an error that
// says which.
func parseTemplates(overrides map[string]TemplateOverride) (templates, error) {
	for t := range overrides {
		if _, ok := builtinTemplate(t); !ok {
			return nil, fmt.Errorf("courier template %q: unknown template type (known: %s)", t, strings.Join(TemplateTypes(), ", "))
		}
	}
	out := templates{}
	for _, t := range TemplateTypes() {
		src, _ := builtinTemplate(t)
		o := overrides[t]
		for _, part := range []struct {
			name string
			url  string
			dst  *string
		}{
			{"subject", o.Subject, &src.Subject},
			{"body.plaintext", o.PlainText, &src.PlainText},
			{"body.html", o.HTML, &src.HTML},
		} {
			if part.url == "" {
				continue
			}
			text, err := loadTemplate(part.url)
			if err != nil {
				return nil, fmt.Errorf("courier template %s, email.%s: %w", t, part.name, err)
			}
			*part.dst = text
		}
		et, err := parseEmailTemplate(t, src)
		if err != nil {
			return nil, err
		}
		out[t] = et
	}
	return out, nil
}

// parseEmailTemplate parses src: a missing data key is an error when rendering, rather than
// "<no value>" in a message.
func parseEmailTemplate(t string, src TemplateSource) (*emailTemplate, error) {
	subject, err := texttemplate.New(t + ".subject").Option("missingkey=error").Parse(src.Subject)
	if err != nil {
		return nil, fmt.Errorf("courier template %s, email.subject: %w", t, err)
	}
	plain, err := texttemplate.New(t + ".body.plaintext").Option("missingkey=error").Parse(src.PlainText)
	if err != nil {
		return nil, fmt.Errorf("courier template %s, email.body.plaintext: %w", t, err)
	}
	html, err := htmltemplate.New(t + ".body.html").Option("missingkey=error").Parse(src.HTML)
	if err != nil {
		return nil, fmt.Errorf("courier template %s, email.body.html: %w", t, err)
	}
	return &emailTemplate{subject: subject, plain: plain, html: html}, nil
}

// loadTemplate reads a template's text from a file:// or base64:// URL.
func loadTemplate(url string) (string, error) {
	if path, ok := strings.CutPrefix(url, "file://"); ok {
		info, err := os.Stat(path)
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", url, err)
		}
		if info.Size() > MaxTemplateBytes {
			return "", fmt.Errorf("%s has %d bytes; a template may have at most %d", url, info.Size(), MaxTemplateBytes)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", url, err)
		}
		return string(b), nil
	}
	if data, ok := strings.CutPrefix(url, "base64://"); ok {
		if len(data) > MaxTemplateBytes*4/3+4 {
			return "", fmt.Errorf("the base64:// template is longer than %d bytes", MaxTemplateBytes)
		}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(data); err == nil {
				return string(b), nil
			}
		}
		return "", fmt.Errorf("the data of the base64:// template is not base64")
	}
	scheme, _, _ := strings.Cut(url, ":")
	return "", fmt.Errorf("a template URL must be file://PATH or base64://DATA, not %s:…", scheme)
}

// render renders template type t with data: the subject (trimmed, as Kratos trims it), the plain
// text body and the HTML body.
func (ts templates) render(t string, data map[string]any) (subject, plain, html string, err error) {
	et, ok := ts[t]
	if !ok {
		known := TemplateTypes()
		slices.Sort(known)
		return "", "", "", fmt.Errorf("unknown template type %q (known: %s)", t, strings.Join(known, ", "))
	}
	var b bytes.Buffer
	if err := et.subject.Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("rendering the subject of %s: %w", t, err)
	}
	subject = strings.TrimSpace(b.String())
	if strings.ContainsAny(subject, "\r\n") {
		return "", "", "", fmt.Errorf("the subject of %s has a line break", t)
	}
	b.Reset()
	if err := et.plain.Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("rendering the plain text body of %s: %w", t, err)
	}
	plain = b.String()
	b.Reset()
	if err := et.html.Execute(&b, data); err != nil {
		return "", "", "", fmt.Errorf("rendering the HTML body of %s: %w", t, err)
	}
	return subject, plain, b.String(), nil
}
