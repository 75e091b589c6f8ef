// Package pages owns ward's built-in HTML pages: the self-service flows of the identity service
// (login, registration, settings, recovery), the logout confirmation, the error page, and the consent page of
// ward's OAuth2 server. Kratos ships no pages and leaves them to a separate UI app; these let `ward
// serve` alone give users working sign-in pages.
//
// A flow page is drawn from the flow's [ui.Container] alone: every node, in the container's order,
// becomes a labelled control, a button, a text, an image or a link, with its messages beside it, so
// that the pages follow whatever the flows put in their forms. The pages run no script, so they work
// with JavaScript off and under ward's strict Content-Security-Policy; the one stylesheet is inlined
// and allowed by its hash (see [Renderer]). They aim at WCAG 2.2 AA: one h1, a main landmark, a
// label bound to every control, messages tied to their field, contrast of at least 4.5:1, visible
// focus, and a layout that holds at 320 CSS pixels.
//
// The package renders; it knows no flow, route or store. The transport decides what to show and
// where forms post.
package pages
