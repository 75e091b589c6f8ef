package pages

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/wardhq/ward/api/middleware"
)

//go:embed templates
var files embed.FS

// Config is what the transport tells the pages about the deployment.
type Config struct {
	// Product names the service in every page's title and banner. Default "ward".
	Product string
	// Lang is the language of the pages' text, the <html lang> of every page. Default "en": the
	// pages' own words and Kratos's messages are American English.
	Lang string
	// LoginURL starts a browser login flow (Kratos's /self-service/login/browser where the
	// transport mounts it). When set, the registration page links to it as "Sign in". Optional.
	LoginURL string
	// RegistrationURL starts a browser registration flow (Kratos's
	// /self-service/registration/browser). When set, the login page links to it as "Create
	// account". Optional.
	RegistrationURL string
}

// Renderer draws the pages. It is safe for concurrent use.
//
// Every page carries ward's browser headers ([middleware.SetBrowserHeaders]) with the
// Content-Security-Policy widened by exactly what the page needs: its inlined stylesheet, allowed by
// its SHA-256 hash (style-src 'sha256-…'), and, on a page that shows images, their sources. Nothing
// else loads: no script, no style attribute, no external asset, so the pages need no route of their
// own besides the caller's.
type Renderer struct {
	cfg       Config
	templates map[string]*template.Template
	css       template.CSS
	styleSrc  string
}

// The pages there are; each is a template file defining "content".
var pageNames = []string{"flow", "consent", "logout", "error"}

// New returns a Renderer for cfg. It fails only when a URL of cfg does not parse.
func New(cfg Config) (*Renderer, error) {
	if cfg.Product == "" {
		cfg.Product = "ward"
	}
	if cfg.Lang == "" {
		cfg.Lang = "en"
	}
	for name, u := range map[string]string{"login_url": cfg.LoginURL, "registration_url": cfg.RegistrationURL} {
		if _, err := parseLink(u); err != nil {
			return nil, fmt.Errorf("pages: config %s: %w", name, err)
		}
	}
	css, err := files.ReadFile("templates/pages.css")
	if err != nil {
		return nil, fmt.Errorf("pages: reading the stylesheet: %w", err)
	}
	sum := sha256.Sum256(css)
	r := &Renderer{
		cfg:       cfg,
		templates: make(map[string]*template.Template, len(pageNames)),
		css:       template.CSS(css),
		styleSrc:  "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'",
	}
	for _, name := range pageNames {
		t, err := template.New(name).ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("pages: parsing the %s page: %w", name, err)
		}
		r.templates[name] = t
	}
	return r, nil
}

// page is what the layout shows: the frame of every page, and the page's own Content.
type page struct {
	Lang, Product, Title string
	CSS                  template.CSS
	Content              any
}

// write renders the page named name with status and sends it with the page headers. imageSources
// are the CSP sources of the images the page shows. A page that cannot be rendered is a bug in this
// package: the client gets a plain 500 and the caller the error.
func (rd *Renderer) write(w http.ResponseWriter, r *http.Request, status int, name, title string, content any, imageSources []string) error {
	var buf bytes.Buffer
	p := page{Lang: rd.cfg.Lang, Product: rd.cfg.Product, Title: title, CSS: rd.css, Content: content}
	if err := rd.templates[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		middleware.SetBrowserHeaders(w.Header())
		http.Error(w, "The page cannot be shown.", http.StatusInternalServerError)
		return fmt.Errorf("pages: rendering the %s page: %w", name, err)
	}
	h := w.Header()
	middleware.SetBrowserHeaders(h)
	h.Set("Content-Security-Policy", rd.csp(imageSources))
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The pages hold CSRF tokens, challenges and what the user typed.
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", fmt.Sprint(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes()) // the client may be gone; nothing to do about it
	}
	return nil
}

// csp returns the Content-Security-Policy of a page: ward's (nothing loads, nothing frames) plus
// the page's stylesheet by hash and its images' sources. base-uri is closed too, since default-src
// does not cover it and a <base> would move every relative form action.
func (rd *Renderer) csp(imageSources []string) string {
	var b strings.Builder
	b.WriteString("default-src 'none'; style-src ")
	b.WriteString(rd.styleSrc)
	if len(imageSources) > 0 {
		b.WriteString("; img-src ")
		b.WriteString(strings.Join(imageSources, " "))
	}
	b.WriteString("; base-uri 'none'; frame-ancestors 'none'")
	return b.String()
}

// addSource adds src to sources unless it is there.
func addSource(sources []string, src string) []string {
	if src == "" || slices.Contains(sources, src) {
		return sources
	}
	return append(sources, src)
}
