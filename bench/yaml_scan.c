/* The floor for reading a manifest: scan a YAML file's events with libyaml and do nothing
 * else. keysync's validate/plan are compared against this in BENCHMARKS.md.
 * Built by bench/run with: gcc -O2 -o yaml_scan yaml_scan.c -lyaml */
#include <stdio.h>
#include <yaml.h>

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: yaml_scan FILE\n"); return 2; }
    FILE *f = fopen(argv[1], "rb");
    if (!f) { perror(argv[1]); return 1; }
    yaml_parser_t parser;
    yaml_event_t event;
    unsigned long events = 0;
    int done = 0;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    while (!done) {
        if (!yaml_parser_parse(&parser, &event)) {
            fprintf(stderr, "yaml error at line %lu\n", (unsigned long)parser.problem_mark.line + 1);
            return 1;
        }
        done = event.type == YAML_STREAM_END_EVENT;
        events++;
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    printf("%lu events\n", events);
    return 0;
}
