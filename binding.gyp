{
  "targets": [
    {
      "target_name": "proctop",
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('native').filter(f => f.endsWith('.cc')).map(f => 'native/' + f).join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
      ],
      "cflags!": [
        "-fno-exceptions"
      ],
      "cflags_cc!": [
        "-fno-exceptions"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter"
      ],
      "conditions": [
        [
          "OS=='linux'",
          {
            "sources": [
              "<!@(node -p \"require('fs').readdirSync('native/linux').filter(f => f.endsWith('.cc')).map(f => 'native/linux/' + f).join(' ')\")"
            ]
          }
        ]
      ]
    },
    {
      "target_name": "proctop-reader",
      "type": "executable",
      "sources": [
        "native/reader/main.cc",
        "native/linux/reader_process.cc",
        "native/linux/snapshot_pack.cc",
        "native/linux/proc_snapshot.cc",
        "native/linux/pid_listing.cc",
        "native/linux/proc_system_info.cc",
        "native/linux/reader_thread.cc",
        "native/linux/timeslice.cc",
        "native/linux/cpu_yield.cc"
      ],
      "include_dirs": [
        "native"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O2",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter"
      ],
      "cflags!": [
        "-fno-exceptions"
      ],
      "cflags_cc!": [
        "-fno-exceptions"
      ],
      "ldflags": [
        "-pthread"
      ],
      "libraries": [
        "-ldl"
      ]
    }
  ]
}
