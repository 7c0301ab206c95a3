// Package e2e holds the headless-Chromium end-to-end tests.
package e2e
