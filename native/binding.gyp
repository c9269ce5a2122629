# Builds, in order: vendored libbpf (static, -fPIC), the BPF objects (CO-RE, clang + bpftool), and the addon.
# make tracks every step, so a second build with nothing changed does nothing.
{
  "variables": {
    "libbpf_dir": "vendor/libbpf",
    "vendor_include": "vendor/include",
  },
  "targets": [
    {
      "target_name": "libbpf",
      "type": "static_library",
      "sources": ["<!@(ls vendor/libbpf/src/*.c)"],
      "include_dirs": ["<(libbpf_dir)/src", "<(libbpf_dir)/include", "<(libbpf_dir)/include/uapi"],
      "defines": ["_LARGEFILE64_SOURCE", "_FILE_OFFSET_BITS=64"],
      "cflags": ["-fPIC", "-O2", "-std=gnu89", "-w"],
      "cflags!": ["-fno-omit-frame-pointer"],
    },
    {
      "target_name": "bpf_objects",
      "type": "none",
      "actions": [
        {
          "action_name": "vmlinux_h",
          "inputs": ["/sys/kernel/btf/vmlinux", "../scripts/vmlinux-h.sh"],
          "outputs": ["<(PRODUCT_DIR)/gen/vmlinux.h"],
          "action": ["bash", "../scripts/vmlinux-h.sh", "<@(_outputs)"],
        },
      ],
      "sources": ["<!@(ls ../bpf/*.bpf.c)"],
      "rules": [
        {
          "rule_name": "bpf_cc",
          "extension": "c",
          "inputs": ["<(PRODUCT_DIR)/gen/vmlinux.h", "<!@(ls ../bpf/*.h)", "../scripts/bpf-cc.sh"],
          "outputs": ["<(PRODUCT_DIR)/bpf/<(RULE_INPUT_ROOT).o"],
          "action": ["bash", "../scripts/bpf-cc.sh", "<(RULE_INPUT_PATH)", "<@(_outputs)", "<(PRODUCT_DIR)/gen", "<(vendor_include)"],
          "process_outputs_as_sources": 0,
        },
      ],
    },
    {
      "target_name": "sixty",
      "dependencies": [
        "libbpf",
        "bpf_objects",
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
      ],
      "sources": ["<!@(ls src/*.cc)"],
      "include_dirs": ["<(vendor_include)", "<(libbpf_dir)/include/uapi", "../bpf"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
      "libraries": ["-ldw", "-lelf", "-lz", "-Wl,--exclude-libs,ALL"],
    },
  ],
}
