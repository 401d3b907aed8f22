{
  "targets": [
    {
      "target_name": "spead_native",
      "sources": ["<!@(node scripts/list-native-sources.js)"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED",
        "_GNU_SOURCE",
        "<!@(node scripts/native-features.js)"
      ],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-g1", "-pthread"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-Wall", "-Wextra", "-O2"],
      "libraries": ["-ldl", "-pthread"],
      "conditions": [
        ["OS!='linux'", {
          "defines": ["SPEAD_NO_LINUX_EXTRAS"]
        }]
      ]
    }
  ]
}
