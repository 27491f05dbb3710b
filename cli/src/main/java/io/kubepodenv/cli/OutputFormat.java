package io.kubepodenv.cli;

/** How results are printed on standard output. */
enum OutputFormat {
    text, json
}
