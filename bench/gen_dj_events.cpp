// gen_dj_events: writes a realistic Data-Juicer events stream for the
// snapshot benchmark. Usage: gen_dj_events OUT_FILE SIZE [PARTITIONS] [OPS]
// SIZE accepts K/M/G suffixes. The shape follows the Sept-2025 executor: two
// job_start lines per run carrying the whole config (~2 MB, so the reader's
// long-line path is exercised), then per partition: partition_start, and per
// op op_start, dag_node_start, op_complete, dag_node_complete, with one
// checkpoint_save per group of ops, then partition_complete. Runs repeat (as
// resumes re-running the job) until SIZE is reached (a job_complete only if
// the last run finished), so partitions x ops,
// and thus the analyzer's memory, stay the same at any size.
#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::uint64_t parse_size(const char* text) {
  char* end = nullptr;
  double v = std::strtod(text, &end);
  switch (end != nullptr ? *end : '\0') {
    case 'k': case 'K': v *= 1024; break;
    case 'm': case 'M': v *= 1024.0 * 1024; break;
    case 'g': case 'G': v *= 1024.0 * 1024 * 1024; break;
    default: break;
  }
  return static_cast<std::uint64_t>(v);
}

const char* op_names[] = {"clean_email_mapper", "clean_links_mapper", "fix_unicode_mapper", "punctuation_normalization_mapper",
                          "whitespace_normalization_mapper", "text_length_filter", "words_num_filter",
                          "character_repetition_filter", "word_repetition_filter", "special_characters_filter",
                          "language_id_score_filter", "perplexity_filter", "document_deduplicator", "alphanumeric_filter"};
constexpr int op_name_count = static_cast<int>(sizeof op_names / sizeof op_names[0]);

std::string big_config(std::size_t target) {
  std::string c = R"({"project_name":"bench","dataset_path":"/data/input.jsonl","executor_type":"ray_partitioned","np":32,"checkpoint":{"enabled":true,"strategy":"every_n_ops","n_ops":5},"process":[)";
  int i = 0;
  while (c.size() < target) {
    c += fmt::format(R"({}{{"{}":{{"lang":"en","min_score":0.{},"text_key":"text","stopwords":["a","an","the","of","and","to","in","is","it","that"],"note":"op {} with a long description \"quoted\" and {{braces}} [brackets] to keep the skipper honest"}}}})",
                     i ? "," : "", op_names[i % op_name_count], i % 10, i);
    ++i;
  }
  return c + "]}";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: gen_dj_events OUT_FILE SIZE[K|M|G] [PARTITIONS=4000] [OPS=30]\n");
    return 2;
  }
  const std::uint64_t target = parse_size(argv[2]);
  const int partitions = argc > 3 ? std::atoi(argv[3]) : 4000;
  const int ops = argc > 4 ? std::atoi(argv[4]) : 30;
  std::FILE* out = std::fopen(argv[1], "wb");
  if (out == nullptr) {
    std::perror(argv[1]);
    return 1;
  }
  const std::string config = big_config(2u << 20);
  const std::string job = "20250917_101500_a1b2c3";
  double t = 1758104100.0;
  std::uint64_t written = 0, event_id = 0;
  auto emit = [&](const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), out);
    std::fputc('\n', out);
    written += line.size() + 1;
    ++event_id;
  };
  auto common = [&](const char* type) {
    return fmt::format(R"("event_type":"{}","timestamp":{:.6f},"event_id":"evt_{:010d}","job_id":"{}","process_id":41872,"thread_id":140211234567)",
                       type, t, event_id, job, 0);
  };
  bool run_finished = false;
  for (int run = 0; written < target; ++run) {
    for (int k = 0; k < 2; ++k)
      emit(fmt::format(R"({{{},"message":"Job started","total_partitions":{},"config":{},"metadata":{{"num_partitions":{},"checkpoint_enabled":true,"is_resuming":{},"job_id":"{}","config_summary":{{"executor_type":"ray_partitioned","partition_size":10000,"checkpoint_strategy":"every_n_ops","storage_format":"parquet"}}}}}})",
                       common("job_start"), ops, config, partitions, run > 0 ? "true" : "false", job));
    run_finished = false;
    for (int p = 0; p < partitions && written < target; ++p) {
      t += 0.01;
      emit(fmt::format(R"({{{},"message":"Partition {} started","partition_id":{},"metadata":{{"partition_path":"/work/{}/partitions/partition_{:06d}.parquet","sample_count":10000,"partition_size_bytes":52428800}}}})",
                       common("partition_start"), p, p, job, p));
      std::int64_t rows = 10000;
      for (int o = 0; o < ops; ++o) {
        const char* name = op_names[o % op_name_count];
        t += 0.37;
        emit(fmt::format(R"({{{},"message":"Operation {} started on partition {}","partition_id":{},"operation_name":"{}","operation_idx":{},"op_args":{{"text_key":"text","lang":"en","min_len":10,"max_len":100000}},"metadata":{{"operation_class":"{}","dag_node_id":"op_{:03d}_{}_partition_{}"}}}})",
                         common("op_start"), name, p, p, name, o, name, o + 1, name, p));
        emit(fmt::format(R"({{{},"message":"DAG node started","metadata":{{"node_id":"op_{:03d}_{}_partition_{}","op_name":"{}","execution_order":{}}}}})",
                         common("dag_node_start"), o + 1, name, p, name, o + 1));
        const std::int64_t out_rows = rows - (o % 3 == 0 ? rows / 50 : 0);
        t += 1.9;
        emit(fmt::format(R"({{{},"message":"Operation {} completed on partition {}","partition_id":{},"operation_name":"{}","operation_idx":{},"duration":{:.4f},"input_rows":{},"output_rows":{},"metadata":{{"duration_seconds":{:.4f},"input_rows":{},"output_rows":{},"throughput":{:.2f}}}}})",
                         common("op_complete"), name, p, p, name, o, 1.9, rows, out_rows, 1.9, rows, out_rows, static_cast<double>(rows) / 1.9));
        emit(fmt::format(R"({{{},"message":"DAG node completed","metadata":{{"node_id":"op_{:03d}_{}_partition_{}","op_name":"{}","execution_order":{},"duration":1.9}}}})",
                         common("dag_node_complete"), o + 1, name, p, name, o + 1));
        rows = out_rows;
        if (o % 5 == 4 || o + 1 == ops)
          emit(fmt::format(R"({{{},"message":"Checkpoint saved","partition_id":{},"operation_name":"{}","operation_idx":{},"checkpoint_path":"/work/{}/checkpoints/partition_{:06d}/op_{:03d}.parquet"}})",
                           common("checkpoint_save"), p, name, o, job, p, o));
      }
      emit(fmt::format(R"({{{},"message":"Partition {} completed","partition_id":{},"metadata":{{"success":true,"duration_seconds":{:.3f},"output_path":"/work/{}/results/partition_{:06d}.parquet"}}}})",
                       common("partition_complete"), p, p, ops * 2.27, job, p));
      run_finished = p + 1 == partitions;
    }
  }
  // A stream cut mid-run is a job still running: no job_complete.
  if (run_finished)
    emit(fmt::format(R"({{{},"status":"completed","duration":{:.3f},"metadata":{{"duration_seconds":{:.3f},"completion_time":{:.6f},"output_path":"/work/out"}}}})",
                   common("job_complete"), t - 1758104100.0, t - 1758104100.0, t));
  std::fclose(out);
  std::fprintf(stderr, "gen_dj_events: wrote %llu bytes, %llu lines (%d partitions x %d ops)\n",
               static_cast<unsigned long long>(written), static_cast<unsigned long long>(event_id), partitions, ops);
  return 0;
}
