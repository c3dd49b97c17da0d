/* The floor for reading a manifest: scan the events of a YAML file (or of every file of a
 * folder manifest) with libyaml and do nothing
 * else. keysync's validate/plan are compared against this in BENCHMARKS.md.
 * Built by bench/run with: gcc -O2 -o yaml_scan yaml_scan.c -lyaml */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: yaml_scan FILE...\n"); return 2; }
    unsigned long events = 0;
    /* A manifest may be a folder of files: every file is scanned, one after the other. */
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { perror(argv[i]); return 1; }
        yaml_parser_t parser;
        yaml_event_t event;
        int done = 0;
        yaml_parser_initialize(&parser);
        yaml_parser_set_input_file(&parser, f);
        while (!done) {
            if (!yaml_parser_parse(&parser, &event)) {
                fprintf(stderr, "%s: yaml error at line %lu\n", argv[i], (unsigned long)parser.problem_mark.line + 1);
                return 1;
            }
            done = event.type == YAML_STREAM_END_EVENT;
            events++;
            yaml_event_delete(&event);
        }
        yaml_parser_delete(&parser);
        fclose(f);
    }
    printf("%lu events\n", events);
    return 0;
}
