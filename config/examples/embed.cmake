# Writes OUT: a C++ source defining sitedns::default_config_text() (config/config.h) as the
# text of FILE, so the built-in configuration needs no file at run time.
file(READ ${FILE} content)
get_filename_component(name ${FILE} NAME)
set(body "// Generated from config/examples/${name} by config/examples/embed.cmake.\n")
string(APPEND body "#include \"config/config.h\"\n\nnamespace sitedns {\n\n")
string(APPEND body "std::string_view default_config_text() {\n")
string(APPEND body "    return R\"sitedns_embed(${content})sitedns_embed\";\n}\n\n")
string(APPEND body "}  // namespace sitedns\n")
file(WRITE ${OUT} "${body}")
