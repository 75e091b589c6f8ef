// Package deploy holds ward's deployment examples, which are not Go: the container image
// (image/Dockerfile, built by `make image`), a Docker Compose file (compose.yaml: ward,
// PostgreSQL and a migration job) and Kubernetes manifests (kubernetes/). Its tests bring the
// image and the Compose file up with the local images and check them end to end, and parse the
// manifests.
package deploy
